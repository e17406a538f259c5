//! The table: one row per measurement, with its baseline and a peer.

use std::fmt::Write;

/// A measured quantity, or why there is none.
#[derive(Debug, Clone)]
pub enum Value {
    Nanos(f64),
    KiB(u64),
    NotMeasured(String),
}

impl Value {
    fn raw(&self) -> Option<f64> {
        match *self {
            Value::Nanos(n) => Some(n),
            Value::KiB(k) => Some(k as f64),
            Value::NotMeasured(_) => None,
        }
    }

    fn show(&self) -> String {
        match *self {
            Value::Nanos(n) if n < 1e3 => format!("{n:.0} ns"),
            Value::Nanos(n) if n < 1e6 => format!("{:.2} µs", n / 1e3),
            Value::Nanos(n) if n < 1e9 => format!("{:.1} ms", n / 1e6),
            Value::Nanos(n) => format!("{:.2} s", n / 1e9),
            Value::KiB(k) => format!("{:.1} MiB", k as f64 / 1024.0),
            Value::NotMeasured(ref why) => format!("not measured: {}", why.replace('|', "\\|")),
        }
    }
}

/// A value and what it is.
#[derive(Debug, Clone)]
pub struct Named {
    pub name: String,
    pub value: Value,
}

pub fn named(name: impl Into<String>, value: Value) -> Option<Named> {
    Some(Named {
        name: name.into(),
        value,
    })
}

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Row {
    pub engine: &'static str,
    pub what: String,
    pub gohost: Value,
    pub baseline: Option<Named>,
    pub peer: Option<Named>,
}

fn ratio(a: &Value, b: &Option<Named>) -> String {
    match (a.raw(), b.as_ref().and_then(|b| b.value.raw())) {
        // Three decimals below 0.1, so that a peer 100 times slower does
        // not read 0.00x.
        (Some(a), Some(b)) if b > 0.0 && a / b < 0.1 => format!("**{:.3}x**", a / b),
        (Some(a), Some(b)) if b > 0.0 => format!("**{:.2}x**", a / b),
        _ => "—".into(),
    }
}

fn cell(v: &Option<Named>) -> String {
    v.as_ref().map_or("—".into(), |n| match n.value {
        Value::NotMeasured(_) => format!("{}: {}", n.name, n.value.show()),
        _ => format!("{} ({})", n.value.show(), n.name),
    })
}

/// The rows as a Markdown table.
pub fn markdown(rows: &[Row]) -> String {
    let mut out = String::from(
        "| engine | measurement | gohost | baseline, same run | gohost ÷ baseline | peer, same run | gohost ÷ peer |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.engine,
            r.what,
            r.gohost.show(),
            cell(&r.baseline),
            ratio(&r.gohost, &r.baseline),
            cell(&r.peer),
            ratio(&r.gohost, &r.peer),
        );
    }
    out
}
