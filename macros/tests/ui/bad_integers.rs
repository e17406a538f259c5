// What Go cannot hold, or cannot key a map by.
#[gohost::host_module(name = "m")]
pub mod m {
    use std::collections::HashMap;

    pub enum Shape {
        Dot,
        Circle(f64),
    }

    pub const N: usize = 4;

    pub fn a(x: u128) -> i128 {
        x as i128
    }
    pub fn b(x: [u8; N], m: HashMap<f64, u32>) {
        let _ = (x, m);
    }
    pub fn c(m: HashMap<Shape, u32>) {
        let _ = m;
    }
}

fn main() {}
