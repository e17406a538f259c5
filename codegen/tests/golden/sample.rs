// The sample host module of the golden tests: it uses every type row of
// docs/abi.md. `macros/tests/sample.rs` compiles it against the runtime.

/// The state the host functions borrow.
#[derive(Debug, Default)]
pub struct Store {
    pub items: Vec<(String, Vec<u8>)>,
}

/// The store data of the linker, for the `Caller` function.
#[derive(Debug, Default)]
pub struct Host {
    pub store: Store,
    pub log: Vec<String>,
}

/// A key-value store for plugins.
///
/// Keys are text, values are bytes.
#[gohost::host_module(name = "kv", go_package = "kv")]
pub mod kv {
    use super::{Host, Store};
    use std::collections::{BTreeMap, HashMap};
    use std::fmt;

    /// One stored pair.
    #[derive(Debug)]
    pub struct Entry {
        /// The key.
        pub key: String,
        pub value: Vec<u8>,
        pub version: u64,
        pub tags: Vec<String>,
        pub expires_at: Option<i64>,
    }

    /// How to list entries.
    #[derive(Debug)]
    pub struct ListOptions {
        pub prefix: String,
        pub limit: Option<u32>,
        pub reverse: bool,
        pub color: Option<Color>,
    }

    /// Numbers about the store.
    #[derive(Debug)]
    pub struct Stats {
        pub count: u32,
        pub total_bytes: u64,
        pub load: f32,
        pub ratio: f64,
        pub last: Option<Entry>,
        pub histogram: Vec<Vec<i32>>,
        pub shape: Shape,
    }

    /// A colour.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Color {
        /// Like blood.
        Red,
        Green,
        Blue,
    }

    /// A shape.
    #[derive(Debug)]
    pub enum Shape {
        Circle { radius: f64 },
        Rect(f32, f32),
        Empty,
    }

    /// A blob by its content address: fixed-size, so it travels in place.
    #[derive(Debug)]
    pub struct Blob {
        pub hash: [u8; 32],
        pub kind: u8,
        pub delta: i16,
        pub size: usize,
        pub initial: char,
        pub origin: [i8; 2],
    }

    /// A label: numbers and strings, so its codec is straight-line.
    #[derive(Debug)]
    pub struct Label {
        pub text: String,
        pub at: [i16; 2],
        pub shown: bool,
        pub color: Color,
        pub note: String,
        pub weight: f64,
    }

    /// What can go wrong in the store.
    #[derive(Debug)]
    pub enum KvError {
        NotFound,
        TooLarge { limit: u32 },
        ReadOnly(String),
    }

    impl fmt::Display for KvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                KvError::NotFound => f.write_str("not found"),
                KvError::TooLarge { limit } => write!(f, "value larger than {limit} bytes"),
                KvError::ReadOnly(why) => write!(f, "read only: {why}"),
            }
        }
    }

    /// An open transaction.
    #[gohost(handle)]
    #[derive(Debug)]
    pub struct Txn {
        pub(crate) writes: Vec<(String, Vec<u8>)>,
    }

    /// Adds two numbers.
    pub fn add(a: i32, b: i32) -> i32 {
        a.wrapping_add(b)
    }

    /// Mixes every scalar.
    pub fn mix(a: u32, b: i64, c: u64, d: f32, e: f64, flag: bool) -> f64 {
        let s = f64::from(a) + b as f64 + c as f64 + f64::from(d) + e;
        if flag {
            s
        } else {
            -s
        }
    }

    /// Tells whether the store is empty.
    pub fn is_empty(store: &Store) -> bool {
        store.items.is_empty()
    }

    /// Hashes bytes (FNV-1a).
    pub fn hash(data: &[u8]) -> u64 {
        data.iter()
            .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
    }

    /// Returns the value stored under key.
    ///
    /// ```
    /// let v = kv.Get("k")
    /// ```
    pub fn get(store: &mut Store, key: &str) -> Result<Vec<u8>, KvError> {
        store
            .items
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .ok_or(KvError::NotFound)
    }

    /// Stores a value.
    pub fn put(store: &mut Store, key: String, value: Vec<u8>) -> Result<(), KvError> {
        if value.len() > 1 << 20 {
            return Err(KvError::TooLarge { limit: 1 << 20 });
        }
        store.items.push((key, value));
        Ok(())
    }

    /// The id of a user, if known.
    pub fn get_user_id(store: &Store, name: &str) -> Option<u32> {
        store.items.iter().position(|(k, _)| k == name).map(|i| i as u32)
    }

    /// Lists entries.
    pub fn list(store: &Store, opts: &ListOptions) -> Vec<Entry> {
        let mut out: Vec<Entry> = store
            .items
            .iter()
            .filter(|(k, _)| k.starts_with(&opts.prefix))
            .map(|(k, v)| Entry {
                key: k.clone(),
                value: v.clone(),
                version: 1,
                tags: Vec::new(),
                expires_at: None,
            })
            .collect();
        if opts.reverse {
            out.reverse();
        }
        if let Some(l) = opts.limit {
            out.truncate(l as usize);
        }
        out
    }

    /// Moves a label by one.
    pub fn relabel(label: Label) -> Label {
        Label {
            at: [label.at[0] + 1, label.at[1] + 1],
            ..label
        }
    }

    pub fn get_stats(store: &Store) -> Stats {
        Stats {
            count: store.items.len() as u32,
            total_bytes: store.items.iter().map(|(_, v)| v.len() as u64).sum(),
            load: 0.5,
            ratio: 0.25,
            last: None,
            histogram: vec![vec![1, 2], vec![]],
            shape: Shape::Empty,
        }
    }

    /// The area of a shape.
    pub fn area(shape: Shape) -> f64 {
        match shape {
            Shape::Circle { radius } => std::f64::consts::PI * radius * radius,
            Shape::Rect(w, h) => f64::from(w * h),
            Shape::Empty => 0.0,
        }
    }

    /// The host's favourite colour.
    pub fn favorite() -> Color {
        Color::Green
    }

    /// Starts a transaction.
    pub fn begin(_store: &mut Store) -> Txn {
        Txn { writes: Vec::new() }
    }

    /// Adds a write to a transaction.
    pub fn txn_put(txn: &mut Txn, key: String, value: Vec<u8>) {
        txn.writes.push((key, value));
    }

    /// The number of writes in a transaction.
    pub fn txn_len(txn: &Txn) -> u32 {
        txn.writes.len() as u32
    }

    /// Applies a transaction, which is consumed.
    pub fn commit(store: &mut Store, txn: Txn) -> Result<u32, String> {
        let n = txn.writes.len() as u32;
        store.items.extend(txn.writes);
        Ok(n)
    }

    /// Opens a named transaction.
    pub fn open_txn(_store: &mut Store, name: &str) -> Result<Txn, KvError> {
        if name.is_empty() {
            return Err(KvError::ReadOnly("no name".into()));
        }
        Ok(Txn { writes: Vec::new() })
    }

    /// Finds the last write to key in a transaction, as an async host
    /// would: the guest's call awaits it.
    pub async fn txn_find(txn: &mut Txn, key: &str) -> Result<Vec<u8>, KvError> {
        std::future::ready(()).await;
        match txn.writes.iter().rev().find(|(k, _)| k == key) {
            Some((_, v)) => Ok(v.clone()),
            None => Err(KvError::NotFound),
        }
    }

    /// Returns its argument.
    pub fn echo(data: Vec<u8>) -> Vec<u8> {
        data
    }

    /// Looks up several keys; `type` and `range` are Go keywords.
    pub fn lookup(
        store: &Store,
        r#type: &str,
        range: Vec<String>,
        url: Option<String>,
    ) -> Result<Vec<Option<String>>, KvError> {
        let _ = (r#type, url);
        Ok(range
            .iter()
            .map(|k| store.items.iter().find(|(x, _)| x == k).map(|(x, _)| x.clone()))
            .collect())
    }

    /// Narrow numbers, a host-sized one and a char.
    pub fn narrow(level: u8, offset: i16, at: isize, width: u16, sign: i8, len: usize) -> u16 {
        let _ = (at, sign, len);
        u16::from(level).wrapping_add(offset as u16).wrapping_add(width)
    }

    /// The first char of key, checked by the host.
    pub fn initial(store: &Store, c: char) -> char {
        let _ = store;
        c.to_ascii_uppercase()
    }

    /// Counts entries per colour, and the blobs under each name.
    pub fn census(
        by_color: HashMap<Color, u32>,
        blobs: BTreeMap<String, Vec<Blob>>,
    ) -> HashMap<String, [i8; 3]> {
        let _ = by_color;
        blobs.keys().map(|k| (k.clone(), [0, 1, 2])).collect()
    }

    /// A blob back, in place.
    pub fn touch(blob: Blob) -> Blob {
        blob
    }

    /// Writes to the host log through the caller.
    pub fn log(caller: &mut gohost::Caller<'_, Host>, msg: &str) {
        caller.data_mut().log.push(msg.to_string());
    }

    /// What a plugin of the store implements; the host calls these.
    extern "Go" {
        /// Adds two numbers in the guest.
        pub fn plugin_add(a: i32, b: u32) -> i64;
        /// Tells whether the plugin is ready.
        pub fn ready() -> bool;
        pub fn notify(flag: bool, ratio: f64, count: u64, scale: f32);
        /// Reacts to a stored entry.
        ///
        /// ```
        /// return kv.Stats{}, nil
        /// ```
        pub fn on_entry(entry: &Entry, key: &str, data: &[u8]) -> Result<Stats, KvError>;
        /// Renders options as text.
        pub fn render(
            opts: ListOptions,
            names: Vec<String>,
            limit: Option<u32>,
        ) -> Result<String, String>;
        pub fn shapes(shape: &Shape, color: Color) -> Vec<Option<Shape>>;
        pub fn reset() -> Result<(), String>;
        /// Renders a label.
        pub fn show(label: &Label) -> Label;
        pub fn store(data: Vec<u8>, name: String);
        pub fn wide(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32, g: i32, h: i32, i: i32) -> i32;
        /// Takes and returns the new types: encoded, not direct.
        pub fn digest(key: [u8; 32], c: char, n: u8) -> Result<BTreeMap<u16, Vec<usize>>, String>;
    }
}
