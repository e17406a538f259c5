#[gohost::host_module(name = "m")]
pub mod m {
    pub fn first<T: Clone>(x: Vec<T>) -> Option<T> {
        x.first().cloned()
    }
    pub fn longest<'a>(a: &'a str) -> String {
        a.to_string()
    }
}

fn main() {}
