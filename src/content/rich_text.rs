//! Markdown rendered to sanitized HTML and to plain text, once, when it is written:
//! each rich text column has two columns beside it that keep its renderings.

mod backfill;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use sea_orm::{ActiveModelTrait, ActiveValue, EntityTrait, Value};

pub use backfill::backfill;

/// A rich text field of a table: the markdown column and the two rendered from it.
#[derive(Debug, Clone, Copy)]
pub struct RichTextColumns<C> {
    pub markdown: C,
    pub html: C,
    pub plain_text: C,
}

/// Renders every rich text field whose markdown `row` sets into its HTML and plain
/// text columns; fields `row` leaves alone keep the renderings they have.
pub fn render_into<E: EntityTrait>(row: &mut E::ActiveModel, fields: &[RichTextColumns<E::Column>]) {
    for field in fields {
        if let ActiveValue::Set(Value::String(Some(markdown))) = row.get(field.markdown) {
            row.set(field.html, Some(to_html(&markdown)).into());
            row.set(field.plain_text, Some(to_plain_text(&markdown)).into());
        }
    }
}

fn parser(markdown: &str) -> Parser<'_> {
    Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES)
}

/// HTML safe to insert into a page: scripts, event handlers and unknown tags removed.
pub fn to_html(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, parser(markdown));
    ammonia::clean(&html)
}

/// The words alone, paragraphs separated by blank lines, for search and mobile text views.
pub fn to_plain_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in parser(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock) => {
                text.push('\n')
            }
            Event::Start(Tag::Item) => text.push_str("• "),
            _ => {}
        }
    }
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_tags_never_reach_the_html() {
        let html = to_html("Hello <script>alert(1)</script> **world** <img src=x onerror=alert(1)>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(html.contains("<strong>world</strong>"), "{html}");
    }

    #[test]
    fn plain_text_drops_markup() {
        assert_eq!(
            to_plain_text("# Title\n\nSome *emphasis*.\n\n- one\n- two"),
            "Title\nSome emphasis.\n• one\n• two"
        );
    }
}
