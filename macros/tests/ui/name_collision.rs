#[gohost::host_module(name = "m")]
pub mod m {
    pub struct UserId {
        pub id: u64,
    }
    pub fn get_user_id() -> u64 {
        1
    }
    pub fn get_user_i_d() -> u64 {
        2
    }
    pub fn user_id() -> u64 {
        3
    }
}

fn main() {}
