#[gohost::host_module(name = "m")]
pub mod m {
    pub fn maybe() -> Option<Option<i32>> {
        None
    }
}

fn main() {}
