//! Running one job. (Placeholder until the engine lands: reports failure, touches nothing.)

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio_util::sync::CancellationToken;

use super::{ConflictAnswer, ItemError, JobEvent, JobId, JobReport, JobSpec};

pub(crate) async fn run_job(
    _id: JobId,
    spec: JobSpec,
    _events: UnboundedSender<JobEvent>,
    _answers: UnboundedReceiver<(ConflictAnswer, bool)>,
    _cancel: CancellationToken,
) -> JobReport {
    JobReport {
        failed: spec
            .sources
            .iter()
            .map(|p| ItemError {
                path: p.to_string(),
                message: "the job engine is not built yet".to_owned(),
            })
            .collect(),
        ..JobReport::default()
    }
}
