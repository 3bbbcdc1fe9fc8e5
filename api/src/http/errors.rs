//! How each failure of a write becomes an HTTP answer: role problems are 403, closed windows and
//! state conflicts 409, invalid fields 422, a busy database 503 with Retry-After. Internal
//! failures are logged with their detail and answered with a generic 500.

use axum::http::StatusCode;
use domain::amendment::AmendmentError;
use domain::argument::ArgumentError;
use domain::ballot::BallotError;
use domain::bill::{BillError, WindowError};
use projections::{AppendError, CommandError};

use super::problem::Problem;

fn window_problem(error: &WindowError) -> Problem {
    let slug = match error {
        WindowError::NotYetOpen { .. } => "consultation-not-open",
        WindowError::NoConsultation => "no-consultation",
        WindowError::Closed { .. } | WindowError::ClosedEarly { .. } => "consultation-closed",
    };
    Problem::conflict(slug, "Outside the consultation window", error.to_string())
}

fn forbidden(detail: String) -> Problem {
    Problem::forbidden(detail)
}

fn unprocessable(detail: String) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-field",
        "A field is invalid",
        detail,
    )
}

fn state_conflict(detail: String) -> Problem {
    Problem::conflict(
        "state-conflict",
        "Not possible in the current state",
        detail,
    )
}

pub trait ToProblem {
    fn to_problem(&self) -> Problem;
}

impl ToProblem for BillError {
    fn to_problem(&self) -> Problem {
        match self {
            BillError::Forbidden { .. } => forbidden(self.to_string()),
            BillError::NotDrafted => Problem::not_found(self.to_string()),
            BillError::Empty { .. }
            | BillError::DuplicateArticle { .. }
            | BillError::EmptyWindow { .. }
            | BillError::UnknownProvenanceArticle { .. }
            | BillError::UncitedAmendment { .. }
            | BillError::AmendmentOfAnotherBill { .. } => unprocessable(self.to_string()),
            _ => state_conflict(self.to_string()),
        }
    }
}

impl ToProblem for AmendmentError {
    fn to_problem(&self) -> Problem {
        match self {
            AmendmentError::Forbidden { .. } | AmendmentError::NotAuthor { .. } => {
                forbidden(self.to_string())
            }
            AmendmentError::Window(w) => window_problem(w),
            AmendmentError::NotSubmitted => Problem::not_found(self.to_string()),
            AmendmentError::Empty { .. } | AmendmentError::ResponseUnchanged => {
                unprocessable(self.to_string())
            }
            _ => state_conflict(self.to_string()),
        }
    }
}

impl ToProblem for BallotError {
    fn to_problem(&self) -> Problem {
        match self {
            BallotError::Forbidden { .. } | BallotError::NotYourBallot { .. } => {
                forbidden(self.to_string())
            }
            BallotError::Window(w) => window_problem(w),
            BallotError::Empty { .. } | BallotError::WrongTarget { .. } => {
                unprocessable(self.to_string())
            }
            _ => state_conflict(self.to_string()),
        }
    }
}

impl ToProblem for ArgumentError {
    fn to_problem(&self) -> Problem {
        match self {
            ArgumentError::Forbidden { .. } | ArgumentError::NotAuthor { .. } => {
                forbidden(self.to_string())
            }
            ArgumentError::Window(w) => window_problem(w),
            ArgumentError::NotPosted => Problem::not_found(self.to_string()),
            ArgumentError::Empty { .. } => unprocessable(self.to_string()),
            _ => state_conflict(self.to_string()),
        }
    }
}

impl<E: std::error::Error + ToProblem> ToProblem for CommandError<E> {
    fn to_problem(&self) -> Problem {
        match self {
            CommandError::Rejected(e) => e.to_problem(),
            CommandError::Append(AppendError::Conflict { .. } | AppendError::RaceLost) => {
                Problem::conflict(
                    "concurrent-change",
                    "Changed concurrently",
                    format!("{self}"),
                )
            }
            // The idempotency layer answers with the first request's response instead.
            CommandError::Append(AppendError::IdempotencyKeyUsed { .. }) => Problem::conflict(
                "idempotency-key-used",
                "Idempotency key already used",
                format!("{self}"),
            ),
            CommandError::Append(AppendError::Busy) => Problem::unavailable(
                "the database is busy with another writer; retry in a moment",
                1,
            ),
            CommandError::Append(AppendError::NotCanonical { source, .. }) => unprocessable(
                format!("the request holds a value that cannot be recorded: {source}"),
            ),
            CommandError::Append(AppendError::Store(projections::StoreError::NotWritable(_))) => {
                tracing::error!(error = %self, "database not writable");
                Problem::unavailable(
                    "the database cannot take writes right now (read-only or full); reads keep working",
                    30,
                )
            }
            other => {
                tracing::error!(error = %other, "command failed");
                Problem::internal()
            }
        }
    }
}
