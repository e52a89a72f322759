//! `Account` against a small reference model (plain maps and sets, written from the domain
//! reference, not from the core): random sequences of create, delete, list, uninstall (R7),
//! remove-app (R8), reinstall and deliveries (admit, attempt_ended, tick) over several apps and
//! users. After every step the answers, quotas (R2), who may delete what (R6), the cascades
//! (R7/R8), list visibility (R4/R5) and R13 deletions must agree with the model.
//!
//! `cargo test` runs 1,000 sequences; `cargo xtask soak` runs 100,000 in release mode
//! (`MODEL_SEQUENCES`). A failure prints the sequence's seed and steps; `MODEL_SEED=n` replays one.

use pipedrive_webhooks::rng::SplitMix64;
use pipedrive_webhooks::{
    may_delete, may_see, Account, App, ApiError, Caller, DeliveryState, Millis, NewWebhook, Policy, RemovalReason, Response, User, Webhook, WebhookType, HOUR,
};
use std::collections::{BTreeMap, BTreeSet};

const USERS: [u64; 3] = [1, 2, 3];
/// App 1 has webhooks:full, app 2 admin, app 3 webhooks:read only, app 4 no scope; app 5 does not exist.
const APPS: [(u64, &[&str]); 4] = [(1, &["webhooks:full"]), (2, &["admin"]), (3, &["webhooks:read"]), (4, &[])];
const START: Millis = 1_750_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    App(u64),
    General,
    Automation,
}

/// A webhook as the model knows it: whose, and R13's clock.
#[derive(Debug, Clone)]
struct MWebhook {
    kind: Kind,
    owner: u64,
    /// End of the first failed attempt after the last success (R13).
    failing_since: Option<Millis>,
}

#[derive(Debug, Clone)]
struct Model {
    admins: BTreeSet<u64>,
    /// app → (may list, may write, listed)
    apps: BTreeMap<u64, (bool, bool, bool)>,
    installs: BTreeSet<(u64, u64)>,
    webhooks: BTreeMap<u64, MWebhook>,
    next_id: u64,
    quota_app: usize,
    quota_general: usize,
    deletion_after: Millis,
}

impl Model {
    fn user_exists(&self, u: u64) -> bool {
        USERS.contains(&u)
    }

    /// 401 unless the user exists and, for an app, it is listed and installed for that user.
    fn authenticated(&self, c: &Caller) -> bool {
        match *c {
            Caller::User { user_id } => self.user_exists(user_id),
            Caller::App { app_id, user_id } => {
                self.user_exists(user_id) && self.apps.get(&app_id).is_some_and(|a| a.2) && self.installs.contains(&(app_id, user_id))
            }
        }
    }

    /// R1: what an app's scopes allow (a user's API token may do everything).
    fn scope(&self, c: &Caller, write: bool) -> bool {
        match *c {
            Caller::User { .. } => true,
            Caller::App { app_id, .. } => self.apps.get(&app_id).is_some_and(|a| if write { a.1 } else { a.0 }),
        }
    }

    /// R4/R5: an app sees its user's non-app webhooks and its own app webhooks for that user; a
    /// user sees their own non-app webhooks, an admin every user's; nobody else's app webhooks.
    fn sees(&self, c: &Caller, w: &MWebhook) -> bool {
        match (*c, w.kind) {
            (Caller::App { app_id, user_id }, Kind::App(a)) => a == app_id && w.owner == user_id,
            (Caller::App { user_id, .. }, _) => w.owner == user_id,
            (Caller::User { .. }, Kind::App(_)) => false,
            (Caller::User { user_id }, _) => self.admins.contains(&user_id) || w.owner == user_id,
        }
    }

    /// R6 and the project's decision: a caller deletes only what it may list; an app acting for
    /// user U deletes only the app webhooks it made for U; users delete general webhooks (their
    /// own, or anyone's as an admin); automation webhooks are read-only.
    fn may_delete(&self, c: &Caller, w: &MWebhook) -> bool {
        match (*c, w.kind) {
            (Caller::App { app_id, user_id }, Kind::App(a)) => a == app_id && w.owner == user_id,
            (Caller::User { user_id }, Kind::General) => self.admins.contains(&user_id) || w.owner == user_id,
            _ => false,
        }
    }

    /// R2: webhooks counted against the caller's limit, and the limit.
    fn quota(&self, c: &Caller) -> (usize, usize) {
        match *c {
            Caller::App { app_id, user_id } => (self.webhooks.values().filter(|w| w.kind == Kind::App(app_id) && w.owner == user_id).count(), self.quota_app),
            Caller::User { user_id } => (self.webhooks.values().filter(|w| w.kind == Kind::General && w.owner == user_id).count(), self.quota_general),
        }
    }

    /// R13: time alone deletes the webhooks failing for the window; their ids and instants.
    fn tick(&mut self, now: Millis) -> Vec<(u64, Millis)> {
        let due: Vec<(u64, Millis)> = self
            .webhooks
            .iter()
            .filter_map(|(id, w)| w.failing_since.map(|f| (*id, f + self.deletion_after)).filter(|(_, at)| *at <= now))
            .collect();
        for (id, _) in &due {
            self.webhooks.remove(id);
        }
        due
    }
}

fn callers() -> Vec<Caller> {
    let mut out: Vec<Caller> = USERS.iter().map(|&u| Caller::User { user_id: u }).collect();
    out.push(Caller::User { user_id: 9 });
    for app in 1..=5 {
        for &u in &USERS {
            out.push(Caller::App { app_id: app, user_id: u });
        }
    }
    out
}

struct Gen(SplitMix64);

impl Gen {
    fn below(&mut self, n: u64) -> u64 {
        self.0.next_u64() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// One sequence; `Err` carries what disagreed and the steps that led there.
fn run_sequence(seed: u64) -> Result<(), String> {
    let mut g = Gen(SplitMix64::new(seed));
    let policy = Policy {
        max_app_webhooks_per_user: 1 + g.below(4) as u32,
        max_general_webhooks_per_user: 1 + g.below(4) as u32,
        // No bans here: R11/R12 and in-flight attempts have their own tests (delivery, equal
        // times); with bans out, R13's clock below is the whole delivery model.
        ban_threshold: u32::MAX,
        ..Policy::default()
    };
    let mut acct = Account::new(1, policy);
    let mut m = Model {
        admins: BTreeSet::new(),
        apps: BTreeMap::new(),
        installs: BTreeSet::new(),
        webhooks: BTreeMap::new(),
        next_id: 1,
        quota_app: policy.max_app_webhooks_per_user as usize,
        quota_general: policy.max_general_webhooks_per_user as usize,
        deletion_after: policy.deletion_after_ms,
    };
    for &u in &USERS {
        let admin = u == 1 || g.chance(30);
        acct.add_user(User { id: u, name: format!("user {u}"), is_admin: admin }).unwrap();
        if admin {
            m.admins.insert(u);
        }
    }
    for (id, scopes) in APPS {
        acct.add_app(App { id, name: format!("app {id}"), scopes: scopes.iter().map(|s| s.to_string()).collect(), listed: true }).unwrap();
        let read = scopes.iter().any(|s| ["admin", "webhooks:full", "webhooks:read"].contains(s));
        let write = scopes.iter().any(|s| ["admin", "webhooks:full"].contains(s));
        m.apps.insert(id, (read, write, true));
        for &u in &USERS {
            if g.chance(75) {
                acct.install(id, u).unwrap();
                m.installs.insert((id, u));
            }
        }
    }
    // Automation webhooks exist (no API call makes them): read-only for everyone.
    for _ in 0..g.below(3) {
        let id = 100 + g.below(5);
        let owner = g.pick(&USERS);
        let w = Webhook { id, owner_id: owner, user_id: owner, app_id: None, webhook_type: WebhookType::Automation, ..Webhook::example() };
        if acct.insert_existing(w, DeliveryState::default()).is_ok() {
            m.webhooks.insert(id, MWebhook { kind: Kind::Automation, owner, failing_since: None });
            m.next_id = m.next_id.max(id + 1);
        }
    }
    let everyone = callers();
    let mut now = START;
    let mut log: Vec<String> = Vec::new();
    let steps = 20 + g.below(100);
    for _ in 0..steps {
        now += match g.below(10) {
            0 => 30 * HOUR + g.below(50 * HOUR as u64) as Millis,
            1..=3 => g.below(HOUR as u64) as Millis,
            _ => g.below(20_000) as Millis,
        };
        let step = match g.below(100) {
            0..=29 => {
                let c = g.pick(&everyone);
                let valid = g.chance(85);
                let for_user = if g.chance(15) { Some(g.pick(&[1, 2, 3, 7])) } else { None };
                let mut input = NewWebhook::new(if valid { "https://example.com/hook" } else { "ftp://example.com" }, "*", "deal", "model").with_version("2.0");
                input.user_id = for_user;
                let expect: Result<(), u16> = if !m.authenticated(&c) {
                    Err(401)
                } else if !m.scope(&c, true) {
                    Err(403)
                } else if !valid || for_user.is_some_and(|u| !m.user_exists(u)) {
                    Err(400)
                } else if m.quota(&c).0 >= m.quota(&c).1 {
                    Err(422)
                } else {
                    Ok(())
                };
                let got = acct.create(&c, &input, now);
                let step = format!("{now}: create as {c:?} (valid {valid}, user_id {for_user:?}) → {:?}", got.as_ref().map(|w| w.id).map_err(ApiError::status));
                match (expect, &got) {
                    (Ok(()), Ok(w)) => {
                        let kind = match c {
                            Caller::App { app_id, .. } => Kind::App(app_id),
                            Caller::User { .. } => Kind::General,
                        };
                        let want = (m.next_id, c.user_id(), kind == Kind::General);
                        let have = (w.id, w.owner_id, w.webhook_type == WebhookType::General);
                        if want != have || w.user_id != for_user.unwrap_or(c.user_id()) {
                            return fail(seed, &log, &step, format!("created {have:?} (user_id {}), the model expected {want:?}", w.user_id));
                        }
                        m.webhooks.insert(w.id, MWebhook { kind, owner: c.user_id(), failing_since: None });
                        m.next_id += 1;
                    }
                    (Err(s), Err(e)) if e.status() == s => {}
                    (want, _) => return fail(seed, &log, &step, format!("the model expected {want:?}")),
                }
                step
            }
            30..=49 => {
                let c = g.pick(&everyone);
                let ids: Vec<u64> = m.webhooks.keys().copied().collect();
                let id = if ids.is_empty() || g.chance(10) { 500 + g.below(10) } else { g.pick(&ids) };
                let expect: Result<(), u16> = if !m.authenticated(&c) {
                    Err(401)
                } else if !m.scope(&c, true) {
                    Err(403)
                } else {
                    match m.webhooks.get(&id) {
                        None => Err(404),
                        Some(w) if !m.may_delete(&c, w) => Err(403),
                        Some(_) => Ok(()),
                    }
                };
                let got = acct.delete(&c, id, now);
                let step = format!("{now}: delete {id} as {c:?} → {:?}", got.as_ref().map(|_| ()).map_err(ApiError::status));
                match (expect, &got) {
                    (Ok(()), Ok(w)) if w.id == id => {
                        m.webhooks.remove(&id);
                    }
                    (Err(s), Err(e)) if e.status() == s => {}
                    (want, _) => return fail(seed, &log, &step, format!("the model expected {want:?}")),
                }
                step
            }
            50..=54 => {
                let (app, user) = (g.pick(&[1, 2, 3, 4, 5]), g.pick(&USERS));
                let got: BTreeSet<u64> = acct.uninstall(app, user, now).into_iter().collect();
                m.installs.remove(&(app, user));
                let want: BTreeSet<u64> = m.webhooks.iter().filter(|(_, w)| w.kind == Kind::App(app) && w.owner == user).map(|(id, _)| *id).collect();
                let step = format!("{now}: uninstall app {app} for user {user} → {got:?}");
                if got != want {
                    return fail(seed, &log, &step, format!("R7: the model removes {want:?}"));
                }
                m.webhooks.retain(|id, _| !want.contains(id));
                step
            }
            55..=56 => {
                let app = g.pick(&[1, 2, 3, 4, 5]);
                let got: BTreeSet<u64> = acct.remove_app(app, now).into_iter().collect();
                if let Some(a) = m.apps.get_mut(&app) {
                    a.2 = false;
                }
                m.installs.retain(|(a, _)| *a != app);
                let want: BTreeSet<u64> = m.webhooks.iter().filter(|(_, w)| w.kind == Kind::App(app)).map(|(id, _)| *id).collect();
                let step = format!("{now}: remove app {app} → {got:?}");
                if got != want {
                    return fail(seed, &log, &step, format!("R8: the model removes {want:?}"));
                }
                m.webhooks.retain(|id, _| !want.contains(id));
                step
            }
            57..=64 => {
                let (app, user) = (g.pick(&[1, 2, 3, 4, 5]), g.pick(&USERS));
                let got = acct.install(app, user);
                let want = m.apps.get(&app).is_some_and(|a| a.2);
                let step = format!("{now}: install app {app} for user {user} → {}", got.is_ok());
                if got.is_ok() != want {
                    return fail(seed, &log, &step, format!("the model expected ok = {want}"));
                }
                if want {
                    m.installs.insert((app, user));
                }
                step
            }
            65..=84 => {
                // An attempt that started now ends after its response (R9); R13's clock moves.
                let ids: Vec<u64> = m.webhooks.keys().copied().collect();
                let id = if ids.is_empty() || g.chance(5) { 500 + g.below(10) } else { g.pick(&ids) };
                let response = match g.below(4) {
                    0 => Response::Status { code: 200, after_ms: g.below(12_000) as Millis },
                    1 => Response::Status { code: g.pick(&[302, 404, 500, 204]), after_ms: g.below(3_000) as Millis },
                    2 => Response::NoAnswer,
                    _ => Response::Refused { after_ms: g.below(500) as Millis },
                };
                let (end, status, _) = response.resolve(&policy, now);
                let success = matches!(status, Some(200..=299));
                let attempt = 1 + g.below(4) as u8;
                let got = acct.attempt_ended(id, attempt, now, response);
                let step = format!("{now}: attempt {attempt} of {id} ends at {end}, success {success} → deleted {:?}", got.as_ref().map(|o| o.tick.deleted_at));
                let deleted = m.tick_one(id, end);
                match (&got, m.webhooks.get_mut(&id)) {
                    (None, _) if !acct_knew(&acct, id) => {}
                    (Some(o), Some(w)) if o.tick.deleted_at.is_none() && !o.after_deletion => {
                        if success {
                            w.failing_since = None;
                        } else if w.failing_since.is_none() {
                            w.failing_since = Some(end);
                        }
                    }
                    (Some(o), None) if o.after_deletion && o.tick.deleted_at == deleted => {}
                    _ => return fail(seed, &log, &step, format!("R13: the model deletes at {deleted:?}")),
                }
                now = now.max(end);
                step
            }
            85..=89 => {
                let ids: Vec<u64> = m.webhooks.keys().copied().collect();
                let id = if ids.is_empty() || g.chance(10) { 500 + g.below(10) } else { g.pick(&ids) };
                let got = acct.admit(id, now);
                let existed = m.webhooks.contains_key(&id);
                let deleted = m.tick_one(id, now);
                let step = format!("{now}: admit {id} → {got:?}");
                let agrees = match &got {
                    None => !existed,
                    Some((_, t)) => existed && t.deleted_at == deleted,
                };
                if !agrees {
                    return fail(seed, &log, &step, format!("R13: the model deletes at {deleted:?} (existed {existed})"));
                }
                step
            }
            _ => {
                let got: BTreeMap<u64, Millis> = acct.tick(now).into_iter().filter_map(|(id, t)| t.deleted_at.map(|at| (id, at))).collect();
                let want: BTreeMap<u64, Millis> = m.tick(now).into_iter().collect();
                let step = format!("{now}: tick → deleted {got:?}");
                if got != want {
                    return fail(seed, &log, &step, format!("R13: the model deletes {want:?}"));
                }
                step
            }
        };
        log.push(step);
        check_state(&acct, &m, &everyone).map_err(|why| failure(seed, &log, why))?;
    }
    Ok(())
}

impl Model {
    /// R13 for one webhook at `at`: deleted (and forgotten) when its window has passed.
    fn tick_one(&mut self, id: u64, at: Millis) -> Option<Millis> {
        let due = self.webhooks.get(&id)?.failing_since.map(|f| f + self.deletion_after).filter(|d| *d <= at)?;
        self.webhooks.remove(&id);
        Some(due)
    }
}

/// Whether the account ever had webhook `id` (it reports attempts of removed ones).
fn acct_knew(acct: &Account, id: u64) -> bool {
    acct.entry(id).is_some() || acct.removed().any(|r| r.webhook.id == id)
}

/// Everything observable agrees with the model: the webhooks and whose they are, every caller's
/// list (R4/R5) and quota (R2), and the delete rule never allows what a caller cannot list.
fn check_state(acct: &Account, m: &Model, everyone: &[Caller]) -> Result<(), String> {
    let have: BTreeMap<u64, (Kind, u64)> = acct
        .entries()
        .map(|e| {
            let w = &e.webhook;
            let kind = match (&w.webhook_type, w.app_id) {
                (WebhookType::Application, Some(a)) => Kind::App(a),
                (WebhookType::General, None) => Kind::General,
                _ => Kind::Automation,
            };
            (w.id, (kind, w.owner_id))
        })
        .collect();
    let want: BTreeMap<u64, (Kind, u64)> = m.webhooks.iter().map(|(id, w)| (*id, (w.kind, w.owner))).collect();
    if have != want {
        return Err(format!("webhooks {have:?}, the model has {want:?}"));
    }
    for c in everyone {
        let listed = acct.list(c).map(|l| l.iter().map(|e| e.webhook.id).collect::<BTreeSet<u64>>()).map_err(|e| e.status());
        let expect = if !m.authenticated(c) {
            Err(401)
        } else if !m.scope(c, false) {
            Err(403)
        } else {
            Ok(m.webhooks.iter().filter(|(_, w)| m.sees(c, w)).map(|(id, _)| *id).collect())
        };
        if listed != expect {
            return Err(format!("R4/R5: {c:?} lists {listed:?}, the model {expect:?}"));
        }
        let q = acct.quota(c);
        if (q.used as usize, q.limit as usize) != m.quota(c) {
            return Err(format!("R2: quota of {c:?} is {q:?}, the model {:?}", m.quota(c)));
        }
        let admin = acct.is_admin(c);
        for e in acct.entries() {
            let w = &e.webhook;
            let mw = &m.webhooks[&w.id];
            if may_see(c, admin, w) != m.sees(c, mw) {
                return Err(format!("R4/R5: may_see({c:?}, #{}) is {}", w.id, may_see(c, admin, w)));
            }
            if may_delete(c, admin, w).is_ok() != m.may_delete(c, mw) {
                return Err(format!("R6: may_delete({c:?}, #{}) is {:?}", w.id, may_delete(c, admin, w)));
            }
            if may_delete(c, admin, w).is_ok() && !may_see(c, admin, w) {
                return Err(format!("R6: {c:?} may delete #{} but cannot list it", w.id));
            }
        }
    }
    // Every removal on record says why, in the words of the rule that removed it.
    if let Some(r) = acct.removed().last() {
        let known = [RemovalReason::Deleted, RemovalReason::AppUninstalled, RemovalReason::AppRemoved, RemovalReason::NoSuccessFor72h];
        if !known.contains(&r.reason) {
            return Err(format!("unknown removal reason {:?}", r.reason));
        }
    }
    Ok(())
}

fn failure(seed: u64, log: &[String], why: String) -> String {
    let tail: Vec<&String> = log.iter().rev().take(25).collect::<Vec<_>>().into_iter().rev().collect();
    format!("sequence seed {seed} (replay: MODEL_SEED={seed}): {why}\nlast steps:\n  {}", tail.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  "))
}

fn fail(seed: u64, log: &[String], step: &str, why: String) -> Result<(), String> {
    let mut log = log.to_vec();
    log.push(step.to_string());
    Err(failure(seed, &log, why))
}

/// 1,000 sequences (`MODEL_SEQUENCES` for more; `MODEL_SEED` replays one).
#[test]
fn account_agrees_with_the_model() {
    if let Some(seed) = std::env::var("MODEL_SEED").ok().and_then(|s| s.parse().ok()) {
        run_sequence(seed).unwrap_or_else(|e| panic!("{e}"));
        return;
    }
    let n: u64 = std::env::var("MODEL_SEQUENCES").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000);
    let started = std::time::Instant::now();
    for i in 0..n {
        let seed = 0x5eed_0000 + i;
        if let Err(e) = run_sequence(seed) {
            panic!("after {i} agreeing sequences: {e}");
        }
    }
    println!("model: {n} sequences agreed in {:.1} s", started.elapsed().as_secs_f64());
}

/// The model itself can tell a wrong answer: a core that let any app delete any app webhook of
/// its own app (whoever it was made for) would disagree with it.
#[test]
fn the_model_catches_an_app_deleting_what_it_made_for_another_user() {
    let m = Model {
        admins: BTreeSet::new(),
        apps: BTreeMap::from([(1, (true, true, true))]),
        installs: BTreeSet::from([(1, 1), (1, 2)]),
        webhooks: BTreeMap::new(),
        next_id: 1,
        quota_app: 40,
        quota_general: 40,
        deletion_after: 72 * HOUR,
    };
    let made_for_1 = MWebhook { kind: Kind::App(1), owner: 1, failing_since: None };
    assert!(m.may_delete(&Caller::App { app_id: 1, user_id: 1 }, &made_for_1));
    assert!(!m.may_delete(&Caller::App { app_id: 1, user_id: 2 }, &made_for_1));
    assert!(!m.sees(&Caller::App { app_id: 1, user_id: 2 }, &made_for_1));
}
