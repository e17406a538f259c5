//! Every plugin loads and answers; a refusal reaches the host as a value.

use {{lib}}::{{package}}::Request;

#[test]
fn the_hello_plugin_answers_and_refuses() {
    let plugins = {{lib}}::load_plugins().expect("load the plugins");
    let hello = plugins
        .iter()
        .find(|p| p.name == "hello")
        .expect("the hello plugin");
    let req = Request { name: "Gopher".into(), times: 2 };
    assert_eq!(
        hello.handle(&req).expect("a call"),
        Ok("Hello, Gopher! Hello, Gopher!".to_string())
    );
    let nobody = Request { name: String::new(), times: 1 };
    assert_eq!(
        hello.handle(&nobody).expect("a call"),
        Err("no name given".to_string())
    );
}
