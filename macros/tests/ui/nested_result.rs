#[gohost::host_module(name = "m")]
pub mod m {
    pub fn tries(x: Result<i32, String>) -> Option<Result<i32, String>> {
        Some(x)
    }
}

fn main() {}
