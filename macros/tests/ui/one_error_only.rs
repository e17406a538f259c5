// One mistake gives one error: the module is still emitted, so the code
// using it type-checks.
#[gohost::host_module(name = "m")]
pub mod m {
    pub fn add(a: i32, b: i32) -> i32 {
        a + b
    }
    pub fn size(x: u128) -> u128 {
        x
    }
}

fn main() {
    let _ = m::add(1, 2);
    let _ = m::size(1);
}
