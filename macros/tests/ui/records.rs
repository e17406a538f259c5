#[gohost::host_module(name = "m")]
pub mod m {
    pub struct Point(pub i32, pub i32);
    pub struct Nothing {}
    pub struct Borrowed {
        pub name: &'static str,
    }
}

fn main() {}
