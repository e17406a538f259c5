#[gohost::host_module(name = "m")]
pub mod m {
    pub fn a(x: usize) -> u8 {
        x as u8
    }
    pub fn b(x: i16, c: char) {
        let _ = (x, c);
    }
}

fn main() {}
