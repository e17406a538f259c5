pub struct State;

#[gohost::host_module(name = "m")]
pub mod m {
    pub async fn mutable(_state: &mut super::State) {}
    pub unsafe fn danger() {}
}

#[gohost::host_module(name = "n")]
pub mod n {
    pub async fn with_caller(_caller: &mut gohost::Caller<'_, super::State>) {}
}

fn main() {}
