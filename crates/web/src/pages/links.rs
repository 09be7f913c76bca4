//! Links: the list of a person's links (what waits for them, what waits for others), asking for
//! a link after thinking it through, a link's page with its history, answers and messages, and
//! the notifications list.

use super::{done, invalid, page, refusal_message, unprocessable};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::WebError;
use crate::format::uk_time;
use crate::pages::children::{viewer, viewer_household};
use crate::view::{Choice, Chrome, FormErrors};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kinlink_domain::link::{
    CloseReason, DocumentKind, FitLine, LinkEvent, LinkState, Side, fit_summary,
};
use kinlink_domain::policy::{LinkAct, may_on_link};
use kinlink_domain::profile::{CivilDate, HouseholdStatus};
use kinlink_store::{
    LinkChange, LinkHistoryEntry, LinkSource, LinkViewer, NewLink, NewLinkDocument, SeenLink,
    StoreError,
};
use serde::Deserialize;

fn looking(s: &SignedIn) -> LinkViewer {
    LinkViewer {
        actor: s.actor(),
        household: s.user.household_id,
    }
}

/// A link in a list.
pub struct LinkRow {
    pub id: i64,
    pub children: String,
    pub household: String,
    pub state: String,
    pub due: Option<String>,
    pub overdue: bool,
    pub updated: String,
}

fn row(l: &SeenLink, now: i64) -> LinkRow {
    LinkRow {
        id: l.link.id,
        children: l.link.children.clone(),
        household: l.link.household.clone(),
        state: l.link.state.label(),
        due: l.link.deadline_at.map(uk_time),
        overdue: l.link.is_overdue(now),
        updated: uk_time(l.link.updated_at),
    }
}

/// A person's links in the four groups the list and the dashboard show.
pub struct LinkGroups {
    pub waiting_for_you: Vec<LinkRow>,
    pub waiting_for_others: Vec<LinkRow>,
    pub exploring: Vec<LinkRow>,
    pub ended: Vec<LinkRow>,
}

pub async fn link_groups(state: &AppState, s: &SignedIn) -> Result<LinkGroups, WebError> {
    let now = state.store.now();
    let mut groups = LinkGroups {
        waiting_for_you: Vec::new(),
        waiting_for_others: Vec::new(),
        exploring: Vec::new(),
        ended: Vec::new(),
    };
    for l in state.store.links_for(looking(s)).await? {
        let r = row(&l, now);
        match l.link.waiting_on() {
            Some(side) if side == l.party.side() => groups.waiting_for_you.push(r),
            Some(_) => groups.waiting_for_others.push(r),
            None if l.link.state.is_open() => groups.exploring.push(r),
            None => groups.ended.push(r),
        }
    }
    // Overdue first, then the soonest due.
    groups
        .waiting_for_you
        .sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.due.cmp(&b.due)));
    Ok(groups)
}

#[derive(Template)]
#[template(path = "links.html")]
pub struct ListPage {
    c: Chrome,
    g: LinkGroups,
}

pub async fn list(State(state): State<AppState>, s: SignedIn) -> Result<Response, WebError> {
    if !kinlink_domain::policy::works_on_links(s.user.role) {
        return Err(WebError::Forbidden(
            kinlink_domain::policy::Denied::NotOnTheRegister,
        ));
    }
    let g = link_groups(&state, &s).await?;
    page(&ListPage {
        c: s.chrome("Links", "/links"),
        g,
    })
}

// ---- asking for a link --------------------------------------------------------------------

#[derive(Deserialize)]
pub struct NewQuery {
    child: Option<i64>,
    household: Option<i64>,
}

#[derive(Template)]
#[template(path = "link_new.html")]
pub struct NewPage {
    c: Chrome,
    errors: FormErrors,
    child_id: i64,
    children: String,
    household_id: i64,
    household: String,
    side: &'static str,
    fit: Vec<FitLine>,
    note: String,
    confirmed: bool,
}

/// Which household a family-side request is for: the adopter's own, or the one a worker named.
fn household_for(s: &SignedIn, asked: Option<i64>) -> Result<i64, WebError> {
    s.user.household_id.or(asked).ok_or(WebError::NotFound)
}

async fn new_page(
    state: &AppState,
    s: &SignedIn,
    child_id: i64,
    household_id: i64,
    errors: FormErrors,
    note: String,
    confirmed: bool,
) -> Result<NewPage, WebError> {
    let context = viewer_household(state, s).await?;
    let v = viewer(s, &context);
    let child = state.store.child_profile(v, &s.who(), child_id).await?;
    let own = s.user.household_id == Some(household_id);
    let family = state
        .store
        .household_profile(v, &s.who(), own, household_id)
        .await?;
    if family.status != HouseholdStatus::Active {
        return Err(WebError::NotFound);
    }
    let side = if s.user.agency_id == child.agency_id && s.user.household_id.is_none() {
        Side::Child
    } else {
        Side::Family
    };
    Ok(NewPage {
        c: s.chrome("Ask to explore a link", "/links")
            .with_errors(&errors),
        errors,
        child_id,
        children: child.title(),
        household_id,
        household: family.details.applicants.join(" and "),
        side: side.as_str(),
        fit: fit_summary(&child, &family.details, &family.details.area),
        note,
        confirmed,
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<NewQuery>,
) -> Result<Response, WebError> {
    let household = household_for(&s, q.household)?;
    let child = q.child.ok_or(WebError::NotFound)?;
    let p = new_page(
        &state,
        &s,
        child,
        household,
        FormErrors::default(),
        String::new(),
        false,
    )
    .await?;
    page(&p)
}

#[derive(Deserialize)]
pub struct NewForm {
    child: i64,
    household: Option<i64>,
    side: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    genuine: Option<String>,
}

pub async fn new_submit(
    State(state): State<AppState>,
    s: SignedIn,
    Form(f): Form<NewForm>,
) -> Result<Response, WebError> {
    let household = household_for(&s, f.household)?;
    let side = Side::parse(&f.side).ok_or(WebError::NotFound)?;
    let context = viewer_household(&state, &s).await?;
    let new = NewLink {
        child_profile_id: f.child,
        household_id: household,
        side,
        note: f.note.clone(),
        confirmed: f.genuine.is_some(),
        source: LinkSource::Register,
    };
    match state
        .store
        .request_link(&s.who(), viewer(&s, &context), s.user.household_id, &new)
        .await
    {
        Ok(id) => Ok(done(&format!("/links/{id}?done=requested"))),
        Err(err) => {
            let field = match &err {
                StoreError::Link(kinlink_store::LinkRefusal::NotConfirmed) => "genuine",
                StoreError::Link(kinlink_store::LinkRefusal::NoteMissing)
                | StoreError::Invalid(_) => "note",
                _ => "link",
            };
            let message = refusal_message(err)?;
            let mut errors = FormErrors::default();
            errors.add(field, message);
            let p = new_page(
                &state,
                &s,
                f.child,
                household,
                errors,
                f.note,
                f.genuine.is_some(),
            )
            .await?;
            invalid(&p)
        }
    }
}

// ---- a link's page ------------------------------------------------------------------------

pub struct MessageView {
    pub id: i64,
    pub reply_to: Option<i64>,
    pub author: String,
    pub when: String,
    pub body: String,
    pub to_adopters: bool,
}

#[derive(Template)]
#[template(path = "link.html")]
pub struct LinkPage {
    c: Chrome,
    errors: FormErrors,
    l: kinlink_store::Link,
    side: &'static str,
    waiting: Option<&'static str>,
    due: Option<String>,
    expires: Option<String>,
    overdue: bool,
    closed: Option<(String, String)>,
    closed_when: Option<String>,
    created: String,
    steps: Vec<(&'static str, &'static str)>,
    can_close: bool,
    reasons: Vec<Choice>,
    history: Vec<(String, String, String)>,
    messages: Vec<MessageView>,
    staff: bool,
    can_message: bool,
    people: Vec<Choice>,
    documents: Vec<DocumentView>,
    can_upload: bool,
    can_share: bool,
    documents_open: bool,
    kinds: Vec<Choice>,
}

pub struct DocumentView {
    pub id: i64,
    pub title: String,
    pub kind: &'static str,
    pub by: String,
    pub when: String,
    pub size: String,
    pub shared: bool,
}

/// "1.2 MB" or "340 KB".
fn size_text(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

fn step_label(event: LinkEvent, side: Side) -> &'static str {
    match event {
        LinkEvent::Consider => "We are considering this link",
        LinkEvent::Explore if side == Side::Child => "Explore this link with the family",
        LinkEvent::Explore => "Explore this link with the child's agency",
        LinkEvent::ProceedToMatch => "Going to matching panel",
        LinkEvent::RecordMatch => "Record the match",
        _ => "",
    }
}

fn history_rows(entries: Vec<LinkHistoryEntry>) -> Vec<(String, String, String)> {
    entries
        .into_iter()
        .map(|e| {
            let what = match e.event.as_str() {
                "request" => "Asked to explore the link".to_owned(),
                "consider" => "Considering it".to_owned(),
                "explore" => "Exploring".to_owned(),
                "proceed_to_match" => "Going to matching panel".to_owned(),
                "record_match" => "Matched".to_owned(),
                "close" => "Closed".to_owned(),
                "expire" => "Expired: no response".to_owned(),
                "supersede" => "Closed: matched in another link".to_owned(),
                "remind" => "Reminder sent".to_owned(),
                "escalate" => "Escalated to team managers".to_owned(),
                "reassign" => "Follow-up reassigned".to_owned(),
                other => other.to_owned(),
            };
            let what = if e.note.is_empty() {
                what
            } else {
                format!("{what}. {}", e.note)
            };
            (
                uk_time(e.at),
                what,
                e.user_name.unwrap_or_else(|| "Kinlink".into()),
            )
        })
        .collect()
}

async fn link_page(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<LinkPage, WebError> {
    let seen = state.store.link(looking(s), &s.who(), id).await?;
    let history = history_rows(state.store.link_history(&seen).await?);
    let messages = state
        .store
        .link_messages(&seen)
        .await?
        .into_iter()
        .map(|m| MessageView {
            id: m.id,
            reply_to: m.reply_to,
            author: m.author_name,
            when: uk_time(m.created_at),
            body: m.body,
            to_adopters: m.to_adopters,
        })
        .collect();
    let documents = state
        .store
        .link_documents(&seen)
        .await?
        .into_iter()
        .map(|d| DocumentView {
            id: d.id,
            title: d.title,
            kind: DocumentKind::parse(&d.kind).map_or("Report", DocumentKind::label),
            by: d.uploaded_by_name,
            when: uk_time(d.uploaded_at),
            size: size_text(d.size_bytes),
            shared: d.shared_with_adopters,
        })
        .collect();
    let l = seen.link;
    let party = seen.party;
    let exploring = l.state.exchanges_documents();
    let side = party.side();
    let steps = LinkEvent::offered(l.state, l.started_by, side)
        .into_iter()
        .filter(|e| !matches!(e, LinkEvent::Close(_)))
        .map(|e| (e.code(), step_label(e, side)))
        .collect();
    let can_close = l.state.is_open();
    let people = if may_on_link(party, LinkAct::Reassign).is_ok() && l.state.is_open() {
        state
            .store
            .link_follow_up_people(l.child_agency_id)
            .await?
            .into_iter()
            .map(|(id, name)| Choice::new(id.to_string(), name))
            .collect()
    } else {
        Vec::new()
    };
    let now = state.store.now();
    let closed = match l.state {
        LinkState::Closed(how, reason) => Some((how.label().to_owned(), reason.label().to_owned())),
        _ => None,
    };
    Ok(LinkPage {
        c: s.chrome(
            &format!("Link: {} with {}", l.children, l.household),
            "/links",
        )
        .with_errors(&errors)
        .with_notice(notice),
        errors,
        side: side.as_str(),
        waiting: l
            .waiting_on()
            .map(|w| if w == side { "you" } else { "the other side" }),
        due: l.deadline_at.map(uk_time),
        expires: l.expires_at.map(uk_time),
        overdue: l.is_overdue(now),
        closed,
        closed_when: l.closed_at.map(uk_time),
        created: uk_time(l.created_at),
        steps,
        can_close,
        reasons: CloseReason::chosen_by_people()
            .map(|r| Choice::new(r.as_str(), r.label()))
            .collect(),
        history,
        messages,
        staff: party.is_staff(),
        can_message: !matches!(l.state, LinkState::Closed(..)),
        people,
        documents,
        can_upload: exploring && may_on_link(party, LinkAct::UploadDocument { exploring }).is_ok(),
        can_share: may_on_link(party, LinkAct::ShareDocument).is_ok()
            && !matches!(l.state, LinkState::Closed(..)),
        documents_open: !matches!(l.state, LinkState::Closed(..)),
        kinds: DocumentKind::ALL
            .iter()
            .map(|k| Choice::new(k.as_str(), k.label()))
            .collect(),
        l,
    })
}

#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response, WebError> {
    let notice = q.done.map(|d| {
        match d.as_str() {
            "requested" => "Your request has been sent. The other side has been told.",
            "message" => "Your message has been sent.",
            "assigned" => "The link has a new person following it up.",
            "document" => "The document has been added, encrypted. The other side has been told.",
            "shared" => "The adopters can now read the document.",
            "unshared" => "The adopters can no longer read the document.",
            _ => "The link has been updated. Everyone taking part has been told.",
        }
        .to_owned()
    });
    page(&link_page(&state, &s, id, FormErrors::default(), notice).await?)
}

async fn refused(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    field: &'static str,
    err: StoreError,
) -> Result<Response, WebError> {
    let message = refusal_message(err)?;
    let mut errors = FormErrors::default();
    errors.add(field, message);
    Ok(unprocessable(page(
        &link_page(state, s, id, errors, None).await?,
    )?))
}

#[derive(Deserialize)]
pub struct ChangeForm {
    event: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    feedback: String,
    #[serde(default)]
    panel_date: String,
    #[serde(default)]
    note: String,
}

pub async fn change(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<ChangeForm>,
) -> Result<Response, WebError> {
    let event = match f.event.as_str() {
        "consider" => LinkEvent::Consider,
        "explore" => LinkEvent::Explore,
        "proceed_to_match" => LinkEvent::ProceedToMatch,
        "record_match" => LinkEvent::RecordMatch,
        "close" => match CloseReason::parse(&f.reason) {
            Some(reason) => LinkEvent::Close(reason),
            None => {
                let mut errors = FormErrors::default();
                errors.add("reason", "Choose why the link is closing");
                return Ok(unprocessable(page(
                    &link_page(&state, &s, id, errors, None).await?,
                )?));
            }
        },
        _ => return Err(WebError::NotFound),
    };
    let panel_date = if event == LinkEvent::ProceedToMatch {
        match CivilDate::parse_iso(&f.panel_date) {
            Some(d) => Some(d),
            None => {
                let mut errors = FormErrors::default();
                errors.add(
                    "panel_date",
                    "Enter the matching panel's date, like 2027-03-18",
                );
                return Ok(unprocessable(page(
                    &link_page(&state, &s, id, errors, None).await?,
                )?));
            }
        }
    } else {
        None
    };
    let change = LinkChange {
        event,
        feedback: f.feedback,
        panel_date,
        note: f.note,
    };
    match state
        .store
        .change_link(&s.who(), looking(&s), id, &change)
        .await
    {
        Ok(_) => Ok(done(&format!("/links/{id}?done=changed"))),
        Err(err) => {
            let field = if matches!(event, LinkEvent::Close(_)) {
                "feedback"
            } else {
                "link"
            };
            refused(&state, &s, id, field, err).await
        }
    }
}

#[derive(Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    to_adopters: Option<String>,
    #[serde(default)]
    reply_to: Option<String>,
}

pub async fn message(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<MessageForm>,
) -> Result<Response, WebError> {
    let reply_to = f.reply_to.as_deref().and_then(|r| r.parse().ok());
    match state
        .store
        .post_link_message(
            &s.who(),
            looking(&s),
            id,
            &f.body,
            f.to_adopters.is_some(),
            reply_to,
        )
        .await
    {
        Ok(_) => Ok(done(&format!("/links/{id}?done=message#messages"))),
        Err(err) => refused(&state, &s, id, "body", err).await,
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    person: String,
}

pub async fn assign(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<AssignForm>,
) -> Result<Response, WebError> {
    let person = f.person.parse().unwrap_or(0);
    match state
        .store
        .reassign_link(&s.who(), looking(&s), id, person)
        .await
    {
        Ok(()) => Ok(done(&format!("/links/{id}?done=assigned"))),
        Err(err) => refused(&state, &s, id, "person", err).await,
    }
}

// ---- notifications ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    c: Chrome,
    items: Vec<(Option<String>, String, String, bool)>,
}

/// The list marks what it shows as read.
pub async fn notifications(
    State(state): State<AppState>,
    s: SignedIn,
) -> Result<Response, WebError> {
    let items = state.store.notifications(s.user.id, 100).await?;
    if let Some(newest) = items.first() {
        state
            .store
            .mark_notifications_read(s.user.id, newest.id)
            .await?;
    }
    let mut c = s.chrome("Notifications", "/notifications");
    c.unread = 0;
    page(&NotificationsPage {
        c,
        items: items
            .into_iter()
            .map(|n| {
                (
                    n.link_id
                        .map(|id| format!("/links/{id}"))
                        .or(n.event_id.map(|id| format!("/events/{id}"))),
                    n.text,
                    uk_time(n.created_at),
                    n.read_at.is_none(),
                )
            })
            .collect(),
    })
}

// ---- secure documents ---------------------------------------------------------------------

/// Uploads a document: checked by content and size, scanned when a scanner is set up, sealed
/// and stored, then recorded; if the record is refused (the link closed meanwhile), the sealed
/// object is deleted again.
pub async fn upload(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    // Only people taking part in the link get further (others: not found, audited).
    state.store.link(looking(&s), &s.who(), id).await?;
    let mut bytes = Vec::new();
    let mut file_name = String::new();
    let mut title = String::new();
    let mut kind = String::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("document") => {
                file_name = field.file_name().unwrap_or_default().to_owned();
                bytes = field
                    .bytes()
                    .await
                    .map_err(|_| WebError::PayloadTooLarge)?
                    .to_vec();
            }
            Some("title") => title = field.text().await.unwrap_or_default(),
            Some("kind") => kind = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    match keep_document(
        &state,
        &s.who(),
        looking(&s),
        id,
        &kind,
        &title,
        &file_name,
        &bytes,
    )
    .await
    {
        Ok(_) => Ok(done(&format!("/links/{id}?done=document#documents"))),
        Err(UploadRefused::Fields(problems)) => {
            let mut errors = FormErrors::default();
            for (field, message) in problems {
                errors.add(field, message);
            }
            refused_with(&state, &s, id, errors).await
        }
        Err(UploadRefused::Store(err)) => refused(&state, &s, id, "document", err).await,
        Err(UploadRefused::Failed(e)) => Err(e),
    }
}

/// Why an upload was not kept: problems with what was sent (by field), a refusal by the store
/// (the life cycle or the policy), or a failure of the service.
pub enum UploadRefused {
    Fields(Vec<(&'static str, String)>),
    Store(StoreError),
    Failed(WebError),
}

/// The one way a document is kept, for the pages and the API: checked by content and size,
/// scanned when a scanner is set up, sealed and stored, then recorded; if the record is refused
/// (the link closed meanwhile, the person may not upload), the sealed object is deleted again.
#[allow(clippy::too_many_arguments)]
pub async fn keep_document(
    state: &AppState,
    who: &kinlink_store::Who,
    viewer: LinkViewer,
    id: i64,
    kind: &str,
    title: &str,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, UploadRefused> {
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    let kind = DocumentKind::parse(kind);
    if kind.is_none() {
        problems.push(("kind", "Choose what kind of document this is".into()));
    }
    if title.trim().is_empty() {
        problems.push(("title", "Enter a title for the document".into()));
    }
    let Some(documents) = state.documents.clone() else {
        problems.push((
            "document",
            "Secure documents are not set up on this server: ask your administrator".into(),
        ));
        return Err(UploadRefused::Fields(problems));
    };
    let media_type = match kinlink_documents::inspect(bytes, documents.limits) {
        Ok(kind) => kind.mime(),
        Err(refused) => {
            let message = if bytes.is_empty() {
                "Choose a file to upload".to_owned()
            } else {
                refused.to_string()
            };
            problems.push(("document", message));
            return Err(UploadRefused::Fields(problems));
        }
    };
    if let Err(refused) = documents.scanner.check(bytes).await {
        tracing::warn!(link = id, error = %refused, "a document upload was refused by the scanner");
        problems.push(("document", refused.to_string()));
        return Err(UploadRefused::Fields(problems));
    }
    let Some(kind) = kind.filter(|_| problems.is_empty()) else {
        return Err(UploadRefused::Fields(problems));
    };
    let token = crate::auth::random_token().map_err(UploadRefused::Failed)?;
    let stored = documents
        .store
        .put(&format!("links/{id}/{token}"), bytes)
        .await
        .map_err(|e| {
            UploadRefused::Failed(WebError::Internal(format!("storing a document: {e}")))
        })?;
    let new = NewLinkDocument {
        kind,
        title: title.to_owned(),
        file_name: clean_file_name(file_name),
        media_type: media_type.to_owned(),
        size_bytes: i64::try_from(stored.size).unwrap_or(i64::MAX),
        sha256: stored.sha256,
        object_path: stored.path,
    };
    match state.store.add_link_document(who, viewer, id, &new).await {
        Ok(document) => Ok(document),
        Err(err) => {
            if let Err(e) = documents.store.delete(&new.object_path).await {
                tracing::warn!(error = %e, path = %new.object_path, "a refused document could not be deleted");
            }
            Err(UploadRefused::Store(err))
        }
    }
}

async fn refused_with(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    errors: FormErrors,
) -> Result<Response, WebError> {
    Ok(unprocessable(page(
        &link_page(state, s, id, errors, None).await?,
    )?))
}

/// A file name safe to put in a header: letters, digits, dots, dashes and underscores only.
fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if clean.trim_matches(['.', '_']).is_empty() {
        "document".into()
    } else {
        clean
    }
}

/// Downloads a document, if the person may read it now; audited either way.
pub async fn download(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, doc)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    document_response(&state, &s.who(), looking(&s), id, doc).await
}

/// A document as a download, for the pages and the API: the store decides and audits, then the
/// sealed object is opened. Sent as an attachment, never shown inline.
pub async fn document_response(
    state: &AppState,
    who: &kinlink_store::Who,
    viewer: LinkViewer,
    id: i64,
    doc: i64,
) -> Result<Response, WebError> {
    let document = state.store.open_link_document(who, viewer, id, doc).await?;
    let documents = state.documents.clone().ok_or(WebError::NotFound)?;
    let bytes = documents
        .store
        .get(&document.object_path)
        .await
        .map_err(|e| WebError::Internal(format!("reading document {doc}: {e}")))?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        clean_file_name(&document.file_name)
    );
    let mut res = bytes.into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&document.media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

#[derive(Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    shared: String,
}

/// The adopters' worker shares a document with the adopters, or stops sharing it.
pub async fn share(
    State(state): State<AppState>,
    s: SignedIn,
    Path((id, doc)): Path<(i64, i64)>,
    Form(f): Form<ShareForm>,
) -> Result<Response, WebError> {
    let shared = f.shared == "yes";
    match state
        .store
        .share_link_document(&s.who(), looking(&s), id, doc, shared)
        .await
    {
        Ok(()) => Ok(done(&format!(
            "/links/{id}?done={}#documents",
            if shared { "shared" } else { "unshared" }
        ))),
        Err(err) => refused(&state, &s, id, "document", err).await,
    }
}
