//! The Go guest calls every host function and gets the right answers.

#[test]
fn the_guest_calls_the_host() {
    let args = vec!["Gopher".to_string(), "Ferris".to_string()];
    let run = {{lib}}::run_guest(&args).expect("run the guest");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        run.stdout,
        "Hello, Gopher! You are visitor number 1.\n\
         Hello, Ferris! You are visitor number 2.\n\
         {4 -2}\n\
         7 / 2 = 3\n\
         error: {{package}}.divide: cannot divide 1 by 0\n"
    );
    assert_eq!(run.host.greeted, 2);
}
