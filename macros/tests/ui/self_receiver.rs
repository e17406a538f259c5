#[gohost::host_module(name = "m")]
pub mod m {
    pub fn get(self, key: &str) {
        let _ = key;
    }
}

fn main() {}
