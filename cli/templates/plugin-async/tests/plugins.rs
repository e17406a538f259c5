//! Every plugin loads and answers; a refusal reaches the host as a value.

use {{lib}}::{{package}}::Request;

#[tokio::test]
async fn the_hello_plugin_answers_and_refuses() {
    let plugins = {{lib}}::load_plugins().expect("load the plugins");
    let hello = plugins
        .iter()
        .find(|p| p.name == "hello")
        .expect("the hello plugin");
    let req = Request { name: "Gopher".into(), times: 2 };
    assert_eq!(
        hello.handle(&req).await.expect("a call"),
        Ok("Hello, Gopher! Hello, Gopher!".to_string())
    );
    // Calls overlap: each awaits the host's `salutation` without a thread.
    let long = Request { name: "Gopher Gopherson".into(), times: 1 };
    let (a, b) = tokio::join!(hello.handle(&req), hello.handle(&long));
    assert_eq!(a.expect("a call"), Ok("Hello, Gopher! Hello, Gopher!".to_string()));
    assert_eq!(b.expect("a call"), Ok("Good day, Gopher Gopherson!".to_string()));
    let nobody = Request { name: String::new(), times: 1 };
    assert_eq!(
        hello.handle(&nobody).await.expect("a call"),
        Err("no name given".to_string())
    );
}
