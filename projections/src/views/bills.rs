//! Bills and every version of their text, article by article, with each version's provenance.
//!
//! Documents: `bill/{id}` (the bill without its versions) and `version/{id}/{number:06}` (one
//! version: its articles and provenance).

use std::collections::HashMap;

use domain::bill::{ArticleProvenance, BillEvent, ConsultationWindow, StepFailure};
use domain::ids::{ArticleId, BillId};
use domain::text::Article;
use serde::{Deserialize, Serialize};

use super::{decode, occurred_at, parse_doc, Changes, Projection};
use crate::store::LoggedEvent;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionView {
    pub number: u32,
    pub label: String,
    pub note: String,
    pub published_at: String,
    pub log_index: u64,
    pub articles: Vec<Article>,
    pub provenance: Vec<ArticleProvenance>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillView {
    pub id: BillId,
    pub title: String,
    pub state: String,
    pub drafted_at: String,
    pub drafted_log_index: u64,
    pub consultation: Option<ConsultationWindow>,
    /// Steps of the procedure that produced no text (a chamber rejected it, the joint committee
    /// did not agree), in log order: the text stays as the last version has it.
    #[serde(default)]
    pub failed_steps: Vec<FailedStepView>,
    #[serde(skip)]
    pub versions: Vec<VersionView>,
}

impl BillView {
    pub fn latest_version(&self) -> Option<&VersionView> {
        self.versions.last()
    }

    pub fn version(&self, number: u32) -> Option<&VersionView> {
        number
            .checked_sub(1)
            .and_then(|i| self.versions.get(i as usize))
            .filter(|v| v.number == number)
            .or_else(|| self.versions.iter().find(|v| v.number == number))
    }

    /// The article's display label ("Article 17 bis") in the latest version that has it.
    pub fn article_label(&self, article_id: ArticleId) -> Option<String> {
        self.versions.iter().rev().find_map(|v| {
            v.articles
                .iter()
                .find(|a| a.id == article_id)
                .map(|a| format!("Article {}", a.number))
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedStepView {
    pub label: String,
    pub kind: StepFailure,
    pub note: String,
    pub at: String,
    pub log_index: u64,
}

/// The `bills` projection.
#[derive(Debug, Default)]
pub struct Bills {
    order: Vec<BillId>,
    bills: HashMap<BillId, BillView>,
}

fn bill_key(id: BillId) -> String {
    format!("bill/{id}")
}

fn version_key(id: BillId, number: u32) -> String {
    format!("version/{id}/{number:06}")
}

impl Bills {
    /// Bills in the order they were drafted.
    pub fn bills(&self) -> impl Iterator<Item = &BillView> {
        self.order.iter().filter_map(|id| self.bills.get(id))
    }

    pub fn bill(&self, id: BillId) -> Option<&BillView> {
        self.bills.get(&id)
    }
}

impl Projection for Bills {
    const NAME: &'static str = "bills";

    fn apply(&mut self, logged: &LoggedEvent, changes: &mut Changes) -> Result<(), String> {
        if logged.event.stream_type != "bill" {
            return Ok(());
        }
        let event: BillEvent = decode(logged)?;
        let id = BillId::parse(&logged.event.stream_id).map_err(|e| e.to_string())?;
        let at = occurred_at(logged);
        if let BillEvent::BillDrafted {
            bill_id,
            title,
            articles,
        } = event
        {
            if self.bills.contains_key(&bill_id) {
                return Err(format!("bill {bill_id} drafted twice"));
            }
            let version = VersionView {
                number: 1,
                label: "draft".into(),
                note: String::new(),
                published_at: at.clone(),
                log_index: logged.log_index,
                articles,
                provenance: Vec::new(),
            };
            changes.put(version_key(bill_id, 1), &version);
            let bill = BillView {
                id: bill_id,
                title,
                state: "drafted".into(),
                drafted_at: at,
                drafted_log_index: logged.log_index,
                consultation: None,
                failed_steps: Vec::new(),
                versions: vec![version],
            };
            changes.put(bill_key(bill_id), &bill);
            self.order.push(bill_id);
            self.bills.insert(bill_id, bill);
            return Ok(());
        }
        let bill = self
            .bills
            .get_mut(&id)
            .ok_or_else(|| format!("event on bill {id} before it was drafted"))?;
        match event {
            BillEvent::BillDrafted { .. } => unreachable!("handled above"),
            BillEvent::ConsultationOpened {
                opens_at,
                closes_at,
            } => {
                bill.state = "in_consultation".into();
                bill.consultation = Some(ConsultationWindow {
                    opens_at,
                    closes_at,
                    closed_early_at: None,
                });
            }
            BillEvent::ConsultationClosed { closed_at } => {
                bill.state = "consultation_closed".into();
                if let Some(window) = &mut bill.consultation {
                    if closed_at < window.closes_at {
                        window.closed_early_at = Some(closed_at);
                    }
                }
            }
            BillEvent::VersionPublished {
                number,
                label,
                articles,
                provenance,
                note,
            } => {
                let version = VersionView {
                    number: number.get(),
                    label,
                    note,
                    published_at: at,
                    log_index: logged.log_index,
                    articles,
                    provenance,
                };
                changes.put(version_key(id, version.number), &version);
                bill.versions.push(version);
            }
            BillEvent::PublishedTallyRecorded { .. } => return Ok(()),
            BillEvent::BillAdopted => bill.state = "adopted".into(),
            BillEvent::BillWithdrawn => bill.state = "withdrawn".into(),
            BillEvent::StepFailed { label, kind, note } => bill.failed_steps.push(FailedStepView {
                label,
                kind,
                note,
                at,
                log_index: logged.log_index,
            }),
        }
        changes.put(bill_key(id), &*bill);
        Ok(())
    }

    fn restore(&mut self, key: &str, body: &str) -> Result<(), String> {
        if key.starts_with("bill/") {
            let bill: BillView = parse_doc(key, body)?;
            self.bills.insert(bill.id, bill);
        } else if let Some(rest) = key.strip_prefix("version/") {
            let bill_id = rest
                .split('/')
                .next()
                .and_then(|b| BillId::parse(b).ok())
                .ok_or_else(|| format!("document key `{key}` names no bill"))?;
            let version: VersionView = parse_doc(key, body)?;
            self.bills
                .get_mut(&bill_id)
                .ok_or_else(|| format!("document `{key}` is a version of an unknown bill"))?
                .versions
                .push(version);
        } else {
            return Err(format!("unexpected document `{key}`"));
        }
        Ok(())
    }

    fn restored(&mut self) {
        let mut order: Vec<(u64, BillId)> = self
            .bills
            .values()
            .map(|b| (b.drafted_log_index, b.id))
            .collect();
        order.sort();
        self.order = order.into_iter().map(|(_, id)| id).collect();
    }
}
