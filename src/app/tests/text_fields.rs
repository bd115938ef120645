//! Every text field but the sync dialog's globs (tests/sync_screen.rs) and the F7 / `/`
//! ones (tests/text_fields_screen.rs): a chord the field has no use for says so on the
//! status line and leaves the text alone, Alt-B moves back a word (Alt read as Meta),
//! and F1 opens the help.

use super::*;
use crate::app::connect::ConnectStep;
use crate::app::share_form::ShareForm;
use crate::app::share_mail::MailForm;
use crate::app::share_panel::SharePanel;
use crate::prompt::Prompt;

const ALT_Z: &str = "Alt-Z: no action here — F1 lists the keys";

fn status(app: &App) -> Option<&str> {
    app.status.as_ref().map(|s| s.text.as_str())
}

fn typ(app: &mut App, s: &str) {
    for c in s.chars() {
        app.update(ch(c));
    }
}

/// Alt-Z then Alt-B and "x " on a field holding "one two" (read back by `value`):
/// said, unchanged, then "one x two".
fn chord_then_word_back(app: &mut App, value: impl Fn(&App) -> String) {
    app.status = None;
    app.update(alt('z'));
    assert_eq!(status(app), Some(ALT_Z));
    assert_eq!(value(app), "one two");
    app.update(alt('b'));
    typ(app, "x ");
    assert_eq!(value(app), "one x two");
}

fn f1_opens_the_help(app: &mut App) {
    app.update(key(KeyCode::F(1)));
    assert!(
        matches!(app.layers.top_dialog(), Some(Dialog::Help { .. })),
        "no help"
    );
    app.update(key(KeyCode::Esc));
    assert!(!matches!(
        app.layers.top_dialog(),
        Some(Dialog::Help { .. })
    ));
}

#[test]
fn the_search_pattern_field() {
    let mut app = app();
    app.update(alt('?'));
    typ(&mut app, "one two");
    let value = |app: &App| match &app.layers.search().unwrap().step {
        crate::app::search::SearchStep::Ask(input) => input.value().to_owned(),
        _ => panic!("not asking"),
    };
    chord_then_word_back(&mut app, value);
    f1_opens_the_help(&mut app);
    assert_eq!(value(&app), "one x two");
}

#[test]
fn the_input_dialogs_and_the_quick_filter() {
    // Shift-F6: rename in place, the name prefilled.
    let mut app = app();
    app.update(key(KeyCode::Down));
    app.update(Msg::Key(KeyEvent::new(KeyCode::F(6), KeyModifiers::SHIFT)));
    app.update(ctrl('u'));
    typ(&mut app, "one two");
    let value = |app: &App| match app.layers.top_dialog() {
        Some(Dialog::Input { input, .. }) => input.value().to_owned(),
        other => panic!("{other:?}"),
    };
    chord_then_word_back(&mut app, value);
    f1_opens_the_help(&mut app);
    assert_eq!(value(&app), "one x two");

    // `/`: F1 in the filter opens the help and the filter stays.
    let mut app = self::app();
    app.update(ch('/'));
    typ(&mut app, "one two");
    chord_then_word_back(&mut app, |app| app.active_pane().filter.clone());
    f1_opens_the_help(&mut app);
    assert!(matches!(app.mode, Mode::Filter(_)));
    app.update(ch('s'));
    assert_eq!(app.active_pane().filter, "one x stwo");
    // Typing on clears "no action here", as any key in the panes does.
    app.update(alt('z'));
    assert_eq!(status(&app), Some(ALT_Z));
    app.update(ch('t'));
    assert_eq!(status(&app), None);
}

#[test]
fn the_connect_fields() {
    let mut app = app();
    app.update(alt('n'));
    app.update(ctrl('u'));
    typ(&mut app, "one two");
    let target = |app: &App| match &app.layers.connect().unwrap().step {
        ConnectStep::Target(input) => input.value().to_owned(),
        _ => panic!("not the target step"),
    };
    chord_then_word_back(&mut app, target);
    f1_opens_the_help(&mut app);

    let mut app = self::app();
    app.connect_pane(Side::Right, "qnap://u@h/b");
    let req = app.layers.connect().unwrap().req;
    app.update(Msg::Connect(super::connect::ConnectMsg::Prompt {
        req,
        prompt: Prompt::Password {
            who: "u on http://h:8080".into(),
        },
    }));
    typ(&mut app, "one two");
    chord_then_word_back(&mut app, |app| match &app.layers.connect().unwrap().step {
        ConnectStep::Password { input, .. } => input.value().to_owned(),
        _ => panic!("not the password step"),
    });

    // The 2-step code takes digits only; its other keys work (Ctrl-U clears it).
    let mut app = self::app();
    app.connect_pane(Side::Right, "qnap://u@h/b");
    let req = app.layers.connect().unwrap().req;
    app.update(Msg::Connect(super::connect::ConnectMsg::Prompt {
        req,
        prompt: Prompt::Code,
    }));
    let code = |app: &App| match &app.layers.connect().unwrap().step {
        ConnectStep::Code(input) => input.value().to_owned(),
        _ => panic!("not the code step"),
    };
    typ(&mut app, "12a3");
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('x'),
        KeyModifiers::CONTROL | KeyModifiers::ALT,
    )));
    assert_eq!(code(&app), "123");
    app.update(alt('z'));
    assert_eq!(status(&app), Some(ALT_Z));
    app.update(ctrl('u'));
    assert_eq!(code(&app), "");
}

#[test]
fn the_share_form_and_the_mail_form() {
    let mut app = app();
    let mut form = ShareForm::for_new(Side::Left, vec![p("/data/notes.txt")], "", false);
    form.expire = tui_input::Input::new("one two".into());
    app.layers.push(Layer::ShareForm(form));
    let expire = |app: &App| app.layers.share_form().unwrap().expire.value().to_owned();
    chord_then_word_back(&mut app, expire);
    assert!(app.layers.share_form().unwrap().error.is_none());
    f1_opens_the_help(&mut app);
    assert_eq!(expire(&app), "one x two");
    // The host is a choice, not a field: a letter there says it does nothing.
    if let Some(form) = app.layers.share_form_mut() {
        form.hosts = vec![
            crate::vfs::ShareHost {
                host: "a".into(),
                source: "test".into(),
            };
            2
        ];
        form.focus = crate::app::share_form::FormField::Host;
    }
    app.update(ch('q'));
    assert_eq!(status(&app), Some("q: no action here — F1 lists the keys"));
    app.update(key(KeyCode::Right));
    assert_eq!(app.layers.share_form().unwrap().host, 1);

    let mut app = self::app();
    let vfs = app.active_pane().vfs.clone();
    let mut panel = SharePanel::new(Side::Left, vfs, "nas".into(), None);
    panel.mail = Some(MailForm::new(p("/data/notes.txt")));
    app.layers.push(Layer::SharePanel(panel));
    typ(&mut app, "one two");
    let to = |app: &App| {
        let form = app.layers.share_panel().unwrap().mail.as_ref().unwrap();
        form.to.value().to_owned()
    };
    chord_then_word_back(&mut app, to);
    f1_opens_the_help(&mut app);
    assert_eq!(to(&app), "one x two");
}
