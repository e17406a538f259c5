#[gohost::host_module(name = "m")]
pub mod m {
    pub async fn later() {}
    pub unsafe fn danger() {}
}

fn main() {}
