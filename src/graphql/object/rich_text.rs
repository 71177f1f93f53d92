//! Rich text: stored as Markdown, served as Markdown, sanitized HTML or plain text.

use async_graphql::Object;

use crate::content::rich_text;

pub struct RichText(pub String);

/// Text with formatting. Take `html` for web pages (it is sanitized: no scripts,
/// no event handlers), `plainText` for native views and search, `markdown` to edit.
#[Object]
impl RichText {
    async fn markdown(&self) -> &str {
        &self.0
    }

    async fn html(&self) -> String {
        rich_text::to_html(&self.0)
    }

    async fn plain_text(&self) -> String {
        rich_text::to_plain_text(&self.0)
    }
}
