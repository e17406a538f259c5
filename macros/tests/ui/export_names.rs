#[gohost::host_module(name = "m", go_interface = "Plugin")]
pub mod m {
    pub struct Plugin {
        pub x: i32,
    }

    pub fn register() {}

    extern "Go" {
        fn get_id(instance: u32);
        fn get_ID();
    }
}

#[gohost::host_module(name = "n", go_interface = "plugin")]
pub mod n {}

fn main() {}
