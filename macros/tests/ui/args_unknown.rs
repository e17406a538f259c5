#[gohost::host_module(name = "kv", package = "kv")]
pub mod kv {
    pub fn add(a: i32, b: i32) -> i32 {
        a + b
    }
}

fn main() {}
