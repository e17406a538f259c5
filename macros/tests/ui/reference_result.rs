#[gohost::host_module(name = "m")]
pub mod m {
    pub fn name(store: &super::Store) -> &str {
        &store.name
    }
}

pub struct Store {
    name: String,
}

fn main() {}
