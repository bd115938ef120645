//! Colours from TOML theme files. `default` and `mc` are built in (embedded from
//! `themes/`); a file `<config dir>/themes/NAME.toml` adds a theme or replaces a built-in.
//! With `NO_COLOR` set (no-color.org) no colour is drawn at all, as mc's `-b`: the
//! cursor and the focused button are shown in reverse video, selected names in bold.

use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

const BUILT_IN: &[(&str, &str)] = &[
    ("default", include_str!("../themes/default.toml")),
    ("mc", include_str!("../themes/mc.toml")),
];

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("no theme named {0:?} (built in: default, mc)")]
    Unknown(String),
    #[error("theme {name}: {message}")]
    Invalid { name: String, message: String },
}

/// A colour as written in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThemeColor(pub Color);

impl<'de> Deserialize<'de> for ThemeColor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Color::from_str(&s)
            .map(ThemeColor)
            .map_err(|_| serde::de::Error::custom(format!("unknown colour {s:?}")))
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaneColors {
    pub fg: ThemeColor,
    pub bg: ThemeColor,
    pub border: ThemeColor,
    pub border_active: ThemeColor,
    pub title: ThemeColor,
    pub header: ThemeColor,
    pub dir: ThemeColor,
    pub link: ThemeColor,
    pub selected: ThemeColor,
    pub cursor_fg: ThemeColor,
    pub cursor_bg: ThemeColor,
    pub cursor_inactive_bg: ThemeColor,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusColors {
    pub fg: ThemeColor,
    pub bg: ThemeColor,
    pub error: ThemeColor,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FkeyColors {
    pub key_fg: ThemeColor,
    pub key_bg: ThemeColor,
    pub label_fg: ThemeColor,
    pub label_bg: ThemeColor,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialogColors {
    pub fg: ThemeColor,
    pub bg: ThemeColor,
    pub border: ThemeColor,
    pub error_border: ThemeColor,
    pub button_fg: ThemeColor,
    pub button_bg: ThemeColor,
    pub focus_fg: ThemeColor,
    pub focus_bg: ThemeColor,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobColors {
    pub fg: ThemeColor,
    pub bg: ThemeColor,
    pub gauge: ThemeColor,
    pub failed: ThemeColor,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewerColors {
    pub fg: ThemeColor,
    pub bg: ThemeColor,
    pub offset: ThemeColor,
}

/// A whole theme.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    pub pane: PaneColors,
    pub status: StatusColors,
    pub fkeys: FkeyColors,
    pub dialog: DialogColors,
    pub jobs: JobColors,
    pub viewer: ViewerColors,
    /// No colour anywhere: what colours marked (the cursor, the focused button) is
    /// marked with reverse video instead.
    #[serde(skip)]
    pub monochrome: bool,
}

/// Whether the user asked for no colour: `NO_COLOR` present and not empty
/// (no-color.org), given the variable's value.
pub fn no_color_requested(value: Option<std::ffi::OsString>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

fn style(fg: ThemeColor, bg: ThemeColor) -> Style {
    Style::default().fg(fg.0).bg(bg.0)
}

impl Theme {
    /// Loads `name`: the user's file if there is one, else the built-in.
    pub fn load(name: &str, config_dir: &Path) -> Result<Theme, ThemeError> {
        let user = config_dir.join("themes").join(format!("{name}.toml"));
        let text = match std::fs::read_to_string(&user) {
            Ok(t) => t,
            Err(_) => BUILT_IN
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| (*t).to_owned())
                .ok_or_else(|| ThemeError::Unknown(name.to_owned()))?,
        };
        Theme::parse(name, &text)
    }

    pub fn parse(name: &str, text: &str) -> Result<Theme, ThemeError> {
        toml::from_str(text).map_err(|e| ThemeError::Invalid {
            name: name.to_owned(),
            message: e.to_string(),
        })
    }

    /// The built-in default; cannot fail (checked by a test).
    pub fn built_in_default() -> Theme {
        Theme::parse("default", BUILT_IN[0].1).unwrap_or_else(|_| Theme::fallback())
    }

    /// The theme of `NO_COLOR`: the terminal's own colours everywhere.
    pub fn monochrome() -> Theme {
        Theme {
            monochrome: true,
            ..Theme::plain(Color::Reset)
        }
    }

    /// Plain terminal colours, used only if the embedded default were broken.
    fn fallback() -> Theme {
        Theme::plain(Color::Gray)
    }

    /// The terminal's own colours, with `highlight` behind the cursor and focus.
    fn plain(highlight: Color) -> Theme {
        let c = ThemeColor(Color::Reset);
        let r = ThemeColor(highlight);
        Theme {
            pane: PaneColors {
                fg: c,
                bg: c,
                border: c,
                border_active: c,
                title: c,
                header: c,
                dir: c,
                link: c,
                selected: c,
                cursor_fg: c,
                cursor_bg: r,
                cursor_inactive_bg: c,
            },
            status: StatusColors {
                fg: c,
                bg: c,
                error: c,
            },
            fkeys: FkeyColors {
                key_fg: c,
                key_bg: c,
                label_fg: c,
                label_bg: r,
            },
            dialog: DialogColors {
                fg: c,
                bg: c,
                border: c,
                error_border: c,
                button_fg: c,
                button_bg: c,
                focus_fg: c,
                focus_bg: r,
            },
            jobs: JobColors {
                fg: c,
                bg: c,
                gauge: c,
                failed: c,
            },
            viewer: ViewerColors {
                fg: c,
                bg: c,
                offset: c,
            },
            monochrome: false,
        }
    }

    pub fn pane_base(&self) -> Style {
        style(self.pane.fg, self.pane.bg)
    }

    pub fn cursor(&self, active: bool) -> Style {
        if self.monochrome {
            // As mc -b: the active pane's cursor in reverse, the other pane's not shown.
            return if active {
                Style::default().add_modifier(Modifier::REVERSED)
            } else {
                Style::default()
            };
        }
        let bg = if active {
            self.pane.cursor_bg
        } else {
            self.pane.cursor_inactive_bg
        };
        Style::default().fg(self.pane.cursor_fg.0).bg(bg.0)
    }

    pub fn status_base(&self) -> Style {
        style(self.status.fg, self.status.bg)
    }

    pub fn dialog_base(&self) -> Style {
        style(self.dialog.fg, self.dialog.bg)
    }

    pub fn button(&self, focused: bool) -> Style {
        if self.monochrome {
            return if focused {
                Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
            } else {
                Style::default()
            };
        }
        if focused {
            style(self.dialog.focus_fg, self.dialog.focus_bg).add_modifier(Modifier::BOLD)
        } else {
            style(self.dialog.button_fg, self.dialog.button_bg)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_means_no_colour_and_reverse_for_the_cursor() {
        assert!(no_color_requested(Some("1".into())));
        assert!(!no_color_requested(Some("".into())), "empty means unset");
        assert!(!no_color_requested(None));
        let t = Theme::monochrome();
        let cursor = t.cursor(true);
        assert!(cursor.add_modifier.contains(Modifier::REVERSED));
        assert!(cursor.fg.is_none() && cursor.bg.is_none());
        assert!(t.button(true).add_modifier.contains(Modifier::REVERSED));
        assert_eq!(t.pane.selected.0, Color::Reset);
        assert_eq!(t.pane_base().bg, Some(Color::Reset));
    }

    #[test]
    fn built_ins_parse() {
        for (name, _) in BUILT_IN {
            Theme::load(name, Path::new("/nonexistent")).unwrap();
        }
        assert!(matches!(
            Theme::load("nope", Path::new("/nonexistent")),
            Err(ThemeError::Unknown(_))
        ));
    }

    #[test]
    fn user_theme_overrides_and_bad_colour_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("themes")).unwrap();
        let text = BUILT_IN[1].1.replace(
            "fg = \"white\"\nbg = \"blue\"",
            "fg = \"#ff0000\"\nbg = \"blue\"",
        );
        std::fs::write(dir.path().join("themes/mine.toml"), &text).unwrap();
        let t = Theme::load("mine", dir.path()).unwrap();
        assert_eq!(t.pane.fg.0, Color::Rgb(255, 0, 0));
        std::fs::write(
            dir.path().join("themes/bad.toml"),
            text.replace("#ff0000", "nocolour"),
        )
        .unwrap();
        let e = Theme::load("bad", dir.path()).unwrap_err().to_string();
        assert!(e.contains("nocolour"), "{e}");
    }
}
