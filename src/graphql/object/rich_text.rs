//! Rich text: stored as Markdown with its HTML and plain text rendered when it was
//! written; served as any of the three without rendering on the read path.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::Object;

use crate::content::rich_text;

pub struct RichText<'a> {
    markdown: &'a str,
    html: Cow<'a, str>,
    plain_text: Cow<'a, str>,
}

impl<'a> RichText<'a> {
    /// A rich text field as its row keeps it: the markdown and its two renderings.
    pub fn stored(markdown: &'a str, html: Option<&'a str>, plain_text: Option<&'a str>) -> Self {
        match (html, plain_text) {
            (Some(html), Some(plain_text)) => Self {
                markdown,
                html: Cow::Borrowed(html),
                plain_text: Cow::Borrowed(plain_text),
            },
            // Every write renders and startup backfills older rows, so this is a
            // bug or a row written behind the server's back: serve it, say so once.
            _ => {
                static WARNED: AtomicBool = AtomicBool::new(false);
                if !WARNED.swap(true, Ordering::Relaxed) {
                    tracing::warn!("rich text without stored renderings; rendering it on read");
                }
                Self {
                    markdown,
                    html: Cow::Owned(rich_text::to_html(markdown)),
                    plain_text: Cow::Owned(rich_text::to_plain_text(markdown)),
                }
            }
        }
    }
}

/// Text with formatting. Take `html` for web pages (it is sanitized: no scripts,
/// no event handlers), `plainText` for native views and search, `markdown` to edit.
#[Object]
impl RichText<'_> {
    async fn markdown(&self) -> &str {
        self.markdown
    }

    async fn html(&self) -> &str {
        &self.html
    }

    async fn plain_text(&self) -> &str {
        &self.plain_text
    }
}
