//! The webhooks table's body: keyed rows, the new ones built from HTML text in one parse.
//!
//! Why not `<For>`: a thousand rows as Leptos views cost ~0.6 s of DOM calls across the wasm
//! boundary, and one `innerHTML` per row still ~0.2 s; one parse for all new rows lets the browser
//! build them natively. A row's element is reused while the row is equal, so a filter keystroke only
//! detaches and re-attaches existing rows, and a row is rebuilt only when its content changes.

use crate::row_html::row_cells;
use crate::rows::SharedRow;
use crate::state::Panel;
use leptos::prelude::*;
use pipedrive_webhooks::Millis;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write;
use wasm_bindgen::JsCast;
use web_sys::Element;

/// A row as shown: its element is reused while the row is equal (every field, so any change the
/// server makes shows) at the same sandbox clock.
#[derive(Clone, PartialEq, Eq)]
struct RowKey {
    /// Compared by pointer first (the same row, as on a filter keystroke), then by content.
    row: SharedRow,
    /// The sandbox clock (relative times move with it); 0 for live rows, whose times are fixed at load.
    stamp: Millis,
}

impl std::hash::Hash for RowKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.row.id, self.stamp).hash(state);
    }
}

impl RowKey {
    fn of(r: &SharedRow, stamp: Millis) -> Self {
        RowKey { row: r.clone(), stamp }
    }

    fn id(&self) -> u64 {
        self.row.id
    }
}

/// The rows built so far (attached or not) and the order they are attached in.
#[derive(Default)]
struct Built {
    body: Option<Element>,
    rows: HashMap<RowKey, Element>,
    attached: Vec<RowKey>,
}

/// The row control an event came from: the element with `attribute` (holding the webhook id) at or
/// above the event's target.
fn row_control<E: JsCast>(ev: &leptos::ev::Event, attribute: &str) -> Option<(u64, E)> {
    let target = ev.target()?.dyn_into::<Element>().ok()?;
    let control = target.closest(&format!("[{attribute}]")).ok()??;
    let id = control.get_attribute(attribute)?.parse().ok()?;
    Some((id, control.dyn_into::<E>().ok()?))
}

/// `<tbody>` showing `rows` in order. Checkboxes follow `selected`; a row's Delete button calls
/// `on_delete` with its id.
#[component]
pub fn RowList(
    rows: Memo<Vec<SharedRow>>,
    all: Memo<Vec<SharedRow>>,
    selected: RwSignal<BTreeSet<u64>>,
    on_delete: impl Fn(u64) + 'static,
) -> impl IntoView {
    let panel = expect_context::<Panel>();
    let body = NodeRef::<leptos::html::Tbody>::new();
    let built = StoredValue::new_local(Built::default());
    Effect::new(move |_| {
        let Some(tbody) = body.get() else { return };
        let now = panel.now();
        // Live rows are redrawn once when an emulator's clock becomes known (their times move to it).
        let stamp = if panel.is_sandbox() { now } else { i64::from(panel.is_emulator()) };
        let checked = selected.get_untracked();
        rows.with(|visible| all.with(|all| built.update_value(|b| reconcile(b, &tbody, visible, all, stamp, now, &checked))));
    });
    // The checkboxes are plain HTML: keep them in step with the selection (cleared after a delete),
    // attached or not.
    Effect::new(move |_| {
        selected.with(|chosen| {
            built.with_value(|b| {
                for (key, tr) in &b.rows {
                    if let Ok(Some(input)) = tr.query_selector("input[data-select]") {
                        if let Ok(input) = input.dyn_into::<web_sys::HtmlInputElement>() {
                            input.set_checked(chosen.contains(&key.id()));
                        }
                    }
                }
            })
        })
    });
    view! {
        // One delegated listener per table for the rows' checkboxes and buttons (see row_html).
        <tbody node_ref=body
            on:change=move |ev| {
                if let Some((id, input)) = row_control::<web_sys::HtmlInputElement>(&ev, "data-select") {
                    let on = input.checked();
                    selected.update(|s| { if on { s.insert(id); } else { s.remove(&id); } });
                }
            }
            on:click=move |ev| {
                if let Some((id, _)) = row_control::<web_sys::HtmlElement>(&ev, "data-delete") {
                    on_delete(id);
                }
            }>
        </tbody>
    }
}

/// Makes `tbody`'s rows those of `visible`, in order, reusing every row element whose key is unchanged.
fn reconcile(b: &mut Built, tbody: &Element, visible: &[SharedRow], all: &[SharedRow], stamp: Millis, now: Millis, checked: &BTreeSet<u64>) {
    if b.body.as_ref() != Some(tbody) {
        // A new table (the page was rebuilt): nothing built belongs to it.
        *b = Built { body: Some(tbody.clone()), ..Built::default() };
    }
    // One row per key: a server listing the same webhook twice must not misalign the rows below.
    let mut keys: Vec<RowKey> = Vec::with_capacity(visible.len());
    let mut wanted: HashSet<RowKey> = HashSet::with_capacity(visible.len());
    for r in visible {
        let key = RowKey::of(r, stamp);
        if wanted.insert(key.clone()) {
            keys.push(key);
        }
    }
    // Removed one by one: measured cheaper than clearing the body and re-attaching the rows that
    // stay, or than hiding rows (style work for every hidden row in the next frame).
    for key in b.attached.iter().filter(|k| !wanted.contains(k)) {
        if let Some(tr) = b.rows.get(key) {
            tr.remove();
        }
    }

    // Every missing row in one parse, each element paired with its key.
    let mut html = String::new();
    let mut missing = Vec::new();
    for key in keys.iter().filter(|k| !b.rows.contains_key(k)) {
        let _ = write!(html, r#"<tr data-testid="row-{}">{}</tr>"#, key.id(), row_cells(&key.row, now, checked.contains(&key.id())));
        missing.push(key);
    }
    if !missing.is_empty() {
        for (key, tr) in missing.into_iter().zip(parse_rows(&html)) {
            b.rows.insert(key.clone(), tr);
        }
    }
    // The parser refuses nothing (every value is escaped); a row it did refuse is left out.
    let ordered = keys.iter().filter_map(|k| b.rows.get(k));
    match tbody.first_element_child() {
        // The first render, or back from an empty list: attach in order.
        None => ordered.for_each(|tr| {
            let _ = tbody.append_child(tr);
        }),
        // Walk the attached rows: a row already in its place stays; any other is moved (or
        // re-attached) before the cursor. A narrowing filter moves nothing.
        Some(first) => {
            let mut cursor = Some(first);
            for tr in ordered {
                if cursor.as_ref() == Some(tr) {
                    cursor = tr.next_element_sibling();
                } else {
                    let _ = tbody.insert_before(tr, cursor.as_ref().map(|c| c.unchecked_ref()));
                }
            }
        }
    }
    b.attached = keys;
    // Forget rows whose key no longer exists (their content changed or they were deleted): only
    // then can there be more rows built than listed.
    if b.rows.len() > all.len() {
        let current: HashSet<RowKey> = all.iter().map(|r| RowKey::of(r, stamp)).collect();
        b.rows.retain(|k, _| current.contains(k));
    }
}

/// `<tr>` elements from HTML text, in order.
fn parse_rows(html: &str) -> Vec<Element> {
    let Some(template) = document().create_element("template").ok().and_then(|t| t.dyn_into::<web_sys::HtmlTemplateElement>().ok()) else {
        return Vec::new();
    };
    template.set_inner_html(html);
    let children = template.content().children();
    (0..children.length()).filter_map(|i| children.item(i)).collect()
}
