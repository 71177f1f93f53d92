pub mod content;
pub mod db;
