#[gohost::host_module(name = "m")]
pub mod m {
    pub fn numbers() -> impl Iterator<Item = i32> {
        0..3
    }
    pub fn show(x: &dyn std::fmt::Display) {
        let _ = x;
    }
}

fn main() {}
