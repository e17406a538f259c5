#[gohost::host_module(name = "m")]
pub mod m {
    #[gohost(handle)]
    pub struct Db {
        pub rows: Vec<String>,
    }
    #[gohost(opaque)]
    pub struct Other {
        pub x: i32,
    }
    pub fn all(dbs: Vec<Db>) -> Option<Db> {
        let _ = dbs;
        None
    }
    pub fn merge(a: &mut Db, b: &Db) {
        let _ = (a, b);
    }
}

fn main() {}
