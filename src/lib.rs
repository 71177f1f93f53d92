pub mod auth;
pub mod content;
pub mod db;
pub mod graphql;
