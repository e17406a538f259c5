#[gohost::host_module(name = "m")]
pub mod m {
    #[gohost(handle)]
    pub struct Db {
        pub rows: Vec<String>,
    }

    pub enum Oops {
        Bad,
    }

    extern "Go" {
        fn take(db: &Db);
        fn give() -> Option<Db>;
        fn body(a: i32) -> i32 {
            a
        }
        fn io() -> Result<(), std::io::Error>;
        fn state(s: &mut super::State, x: i32);
        async fn later();
        fn _initialize();
        static COUNT: u32;
    }

    extern "C" {
        fn puts();
    }
}

pub struct State;

fn main() {}
