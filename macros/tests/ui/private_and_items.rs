#[gohost::host_module(name = "m")]
pub mod m {
    fn helper() -> i32 {
        1
    }
    pub trait Plugin {}
    pub mod inner {}
}

fn main() {}
