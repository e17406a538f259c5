#[gohost::host_module(name = "m")]
pub mod m {
    pub fn pair(x: (i32, i32)) -> [u32; 4] {
        let _ = x;
        [0; 4]
    }
}

fn main() {}
