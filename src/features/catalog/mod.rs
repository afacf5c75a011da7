//! Browsing the catalog: catalogs → schemas → tables, a table's columns and its sample rows.

pub mod api;
pub mod selection;
pub mod table_form;
pub mod view;
