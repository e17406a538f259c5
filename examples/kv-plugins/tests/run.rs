//! The README's command, as a test: the example builds its Go plugins, runs
//! them on the host, reports the bad ones in one line each and keeps
//! serving the good ones.

use std::process::Command;

#[test]
fn kv_plugins_runs_end_to_end() {
    let out = Command::new(env!("CARGO_BIN_EXE_kv-plugins"))
        .output()
        .expect("run the kv-plugins example");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let has = |want: &str| lines.iter().filter(|l| **l == want).count();

    // Where the plugins were built, then their names.
    assert!(
        lines[0].starts_with("built 5 plugin(s) into ")
            && lines[0].ends_with("kv-plugins: counter, hog, notes, panicker, spinner"),
        "{stdout}"
    );
    assert_eq!(has("counter: loaded (version 1)"), 1, "{stdout}");
    assert_eq!(
        has("  counter (version 1): counter 1.0, counts words across requests in the store"),
        1,
        "{stdout}"
    );
    assert_eq!(
        has("loaded 5 plugin(s); each call gets 500000000 fuel and 10 s, each instance 64 MiB"),
        1
    );

    // The good plugins answer every request, before and after the bad ones
    // failed, through the typed host API (records, Option, typed errors).
    let answers = [
        r#"  counter: 2 word(s) counted, 2 distinct so far, top "gopher" x1 (2 write(s))"#,
        r#"  counter: 4 word(s) counted, 4 distinct so far, top "hello" x3 (4 write(s))"#,
        r#"  counter: 7 word(s) counted, 11 distinct so far, top "hello" x3 (7 write(s))"#,
        r#"  counter: 3 word(s) counted, 14 distinct so far, top "hello" x3 (3 write(s))"#,
        r#"  notes: kept "HELLO GOPHER" (1 write(s)) [keys: note/0001]"#,
        r#"  notes: kept "HELLO FERRIS, HELLO CRAB" (1 write(s)) [keys: note/0001, note/0002]"#,
        "  notes: refused: note 3 not kept: 39 bytes, the store takes at most 32",
        r#"  notes: kept "BYE FOR NOW", dropped "HELLO GOPHER" (2 write(s)) [keys: note/0002, note/0004]"#,
    ];
    for a in answers {
        assert_eq!(has(a), 1, "missing {a:?} in\n{stdout}");
    }
    let last_request = lines
        .iter()
        .position(|l| l.starts_with("request 4:"))
        .expect("request 4");
    let first_failure = lines
        .iter()
        .position(|l| l.contains(": failed: "))
        .expect("a failure");
    assert!(first_failure < last_request);

    // Each bad plugin fails each request with one clear line, and its pool
    // makes a fresh instance each time (it never reports "poisoned").
    // (wasmtime also names the Go function where the fuel ran out: the
    // method, or the pointer wrapper Go made for the interface call, with
    // the loop inlined into it.)
    let spun_in: &[&str] = match gohost::EngineKind::default() {
        gohost::EngineKind::Wasmtime => {
            &[" at `main.spinner.Handle`", " at `main.(*spinner).Handle`"]
        }
        _ => &[""],
    };
    let spinner =
        "  spinner: failed: guest exceeded its execution limit of 500000000 fuel units in `handle`";
    let spun = lines
        .iter()
        .filter(|l| spun_in.iter().any(|at| **l == format!("{spinner}{at}")))
        .count();
    assert_eq!(spun, 4, "want 4 x {spinner:?} in\n{stdout}");
    let failures = [
        "  panicker: failed: guest panicked in `handle`: assignment to entry in nil map".to_owned(),
    ];
    for f in &failures {
        assert_eq!(has(f), 4, "want 4 x {f:?} in\n{stdout}");
    }
    let hog: Vec<_> = lines
        .iter()
        .filter(|l| l.starts_with("  hog: failed: "))
        .collect();
    assert_eq!(hog.len(), 4, "{stdout}");
    for l in hog {
        assert!(
            l.starts_with(
                "  hog: failed: guest exceeded its memory limit of 67108864 bytes (it asked for "
            ),
            "{l}"
        );
    }
    assert!(!stdout.contains("unusable"), "{stdout}");
    for name in ["hog", "panicker", "spinner"] {
        assert_eq!(has(&format!("[{name}] started")), 4, "{stdout}");
    }

    // Plugin output, prefixed, on the host's matching stream.
    assert_eq!(has("[counter] started"), 1, "{stdout}");
    assert!(
        stderr.contains("[panicker] about to panic on request 4\n"),
        "{stderr}"
    );

    let summary = lines
        .iter()
        .position(|l| *l == "summary:")
        .expect("summary");
    assert_eq!(
        lines[summary + 1..],
        [
            "  counter: 4 answered, 0 refused, 0 failed; 1 instance(s) created, 0 discarded; 14 key(s) in the store",
            "  hog: 0 answered, 0 refused, 4 failed; 4 instance(s) created, 4 discarded; 0 key(s) in the store",
            "  notes: 3 answered, 1 refused, 0 failed; 1 instance(s) created, 0 discarded; 2 key(s) in the store",
            "  panicker: 0 answered, 0 refused, 4 failed; 4 instance(s) created, 4 discarded; 0 key(s) in the store",
            "  spinner: 0 answered, 0 refused, 4 failed; 4 instance(s) created, 4 discarded; 0 key(s) in the store",
        ]
    );
}
