//! One method per File Station func with a JSON reply (qnap.md A.3–A.9). Parameters are
//! exactly the wire names; interpretation of the results is left to `vfs.rs`.

use super::client::{Client, Kind};
use super::wire::{
    self, DiskInfo, FileEntry, ListReply, PidReply, ShareLinkReply, ShareListReply, TaskStatus,
    TreeNode,
};
use crate::vfs::{ServerCode, VfsError, VfsResult};

/// Which background task family a pid belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    Copy,
    Move,
}

impl Task {
    fn start(self) -> &'static str {
        match self {
            Task::Copy => "copy",
            Task::Move => "move",
        }
    }
    fn status(self) -> &'static str {
        match self {
            Task::Copy => "get_copy_status",
            Task::Move => "get_move_status",
        }
    }
    fn cancel(self) -> &'static str {
        match self {
            Task::Copy => "cancel_copy",
            Task::Move => "cancel_move",
        }
    }
}

/// Share-link settings as File Station takes them.
pub struct LinkParams<'a> {
    pub hostname: &'a str,
    pub ssl: bool,
    pub expire_secs: Option<u64>,
    pub access_code: Option<&'a str>,
}

impl LinkParams<'_> {
    fn push(&self, p: &mut Vec<(&'static str, String)>) {
        p.push(("hostname", self.hostname.to_owned()));
        p.push(("ssl", self.ssl.to_string()));
        match self.expire_secs {
            None => p.push(("valid_duration", "forever".into())),
            Some(secs) => {
                // Relative period in days + hours (vendor doc 17.2), rounded up to an
                // hour so a link never expires earlier than asked.
                let hours = secs.div_ceil(3600).max(1);
                p.push(("valid_duration", "period_of_time".into()));
                p.push(("day", (hours / 24).to_string()));
                p.push(("hour", (hours % 24).to_string()));
            }
        }
        match self.access_code {
            Some(code) => {
                p.push(("access_enabled", "true".into()));
                p.push(("access_code", code.to_owned()));
            }
            None => {
                p.push(("access_enabled", "false".into()));
                p.push(("access_code", String::new()));
            }
        }
    }
}

fn s(v: impl ToString) -> String {
    v.to_string()
}

impl Client {
    /// `get_tree node=…`: a bare array of folders (`share_root` = the shares).
    pub async fn get_tree(&self, node: &str) -> VfsResult<Vec<TreeNode>> {
        let v = self
            .call(
                Kind::Read,
                "get_tree",
                &[("is_iso", s(0)), ("node", s(node))],
                node,
            )
            .await?;
        wire::decode(v, "get_tree")
    }

    /// One page of `get_list`, folders first, sorted by name.
    pub async fn get_list(&self, path: &str, start: u64, limit: u64) -> VfsResult<ListReply> {
        self.call_parsed(
            Kind::Read,
            "get_list",
            &[
                ("is_iso", s(0)),
                ("list_mode", s("all")),
                ("path", s(path)),
                ("dir", s("ASC")),
                ("limit", s(limit)),
                ("sort", s("filename")),
                ("start", s(start)),
                ("hidden_file", s(1)),
            ],
            path,
            wire::parse_list_reply,
        )
        .await
    }

    /// `stat` of one item; a missing one comes back with `exist: 0`.
    pub async fn stat(&self, dir: &str, name: &str) -> VfsResult<FileEntry> {
        let v = self
            .call(
                Kind::Read,
                "stat",
                &[
                    ("path", s(dir)),
                    ("file_total", s(1)),
                    ("file_name", s(name)),
                ],
                name,
            )
            .await?;
        let reply: ListReply = wire::decode(v, "stat")?;
        reply
            .datas
            .into_iter()
            .next()
            .ok_or_else(|| VfsError::Protocol("stat reply without an entry".into()))
    }

    /// `stat settime=1 mtime=…`: sets the modification time and answers like `stat`,
    /// with the item as it now is (`None` when a firmware answers the status alone).
    pub async fn settime(&self, dir: &str, name: &str, mtime: i64) -> VfsResult<Option<FileEntry>> {
        let v = self
            .call(
                Kind::Write,
                "stat",
                &[
                    ("path", s(dir)),
                    ("file_total", s(1)),
                    ("file_name", s(name)),
                    ("settime", s(1)),
                    ("mtime", s(mtime)),
                ],
                name,
            )
            .await?;
        let reply: Option<ListReply> = wire::decode(v, "stat").ok();
        Ok(reply.and_then(|r| r.datas.into_iter().next()))
    }

    pub async fn createdir(&self, parent: &str, name: &str) -> VfsResult<()> {
        self.call(
            Kind::Write,
            "createdir",
            &[("dest_path", s(parent)), ("dest_folder", s(name))],
            name,
        )
        .await
        .map(drop)
        .map_err(|e| match e {
            // Status 9 is "quota / disk full", but File Station also answers it for any
            // folder it could not create (a path too deep or too long, for one): say
            // what is known instead of claiming the disk is full.
            VfsError::NoSpace => VfsError::Server {
                code: ServerCode::Status(9),
                message: format!(
                    "the NAS could not create the folder {} (disk or quota full, or a path it refuses, such as one too deep)",
                    crate::names::shorten(&crate::names::escape(name), 80)
                ),
            },
            other => other,
        })
    }

    pub async fn rename(&self, dir: &str, from: &str, to: &str) -> VfsResult<()> {
        self.call(
            Kind::Write,
            "rename",
            &[
                ("path", s(dir)),
                ("source_name", s(from)),
                ("dest_name", s(to)),
            ],
            to,
        )
        .await
        .map(drop)
    }

    pub async fn delete(&self, dir: &str, names: &[&str]) -> VfsResult<()> {
        let mut p = vec![("path", s(dir)), ("file_total", s(names.len()))];
        p.extend(names.iter().map(|n| ("file_name", s(n))));
        self.call(Kind::Write, "delete", &p, names.first().unwrap_or(&dir))
            .await
            .map(drop)
    }

    /// Starts a server-side copy/move; `mode` 0 overwrites, 1 skips (inverted on the wire).
    pub async fn start_task(
        &self,
        task: Task,
        src_dir: &str,
        names: &[&str],
        dest: &str,
        overwrite: bool,
    ) -> VfsResult<i64> {
        let mut p = vec![("source_path", s(src_dir))];
        p.extend(names.iter().map(|n| ("source_file", s(n))));
        p.push(("source_total", s(names.len())));
        p.push(("dest_path", s(dest)));
        p.push(("mode", s(if overwrite { 0 } else { 1 })));
        let what = names.first().copied().unwrap_or(src_dir);
        let v = self.call(Kind::Write, task.start(), &p, what).await?;
        let reply: PidReply = wire::decode(v, task.start())?;
        reply.pid.ok_or_else(|| {
            VfsError::Protocol(format!("the {} reply carries no task id", task.start()))
        })
    }

    pub async fn task_status(&self, task: Task, pid: i64) -> VfsResult<TaskStatus> {
        let v = self
            .call(Kind::Read, task.status(), &[("pid", s(pid))], task.start())
            .await?;
        wire::decode(v, task.status())
    }

    pub async fn cancel_task(&self, task: Task, pid: i64) -> VfsResult<()> {
        self.call(Kind::Write, task.cancel(), &[("pid", s(pid))], task.start())
            .await
            .map(drop)
    }

    /// One page of a recursive `search` below `dir`.
    pub async fn search(
        &self,
        dir: &str,
        keyword: &str,
        start: u64,
        limit: u64,
    ) -> VfsResult<ListReply> {
        let v = self
            .call(
                Kind::Read,
                "search",
                &[
                    ("source_path", s(dir)),
                    ("keyword", s(keyword)),
                    ("start", s(start)),
                    ("limit", s(limit)),
                    ("sort", s("filename")),
                    ("dir", s("ASC")),
                ],
                dir,
            )
            .await?;
        wire::decode(v, "search")
    }

    /// `get_disk_info`: free/used KiB of the volume holding `path` (not on every
    /// firmware).
    pub async fn get_disk_info(&self, path: &str) -> VfsResult<DiskInfo> {
        let v = self
            .call(Kind::Read, "get_disk_info", &[("path", s(path))], path)
            .await?;
        wire::decode(v, "get_disk_info")
    }

    pub async fn get_share_link(
        &self,
        dir: &str,
        name: &str,
        link: &LinkParams<'_>,
    ) -> VfsResult<ShareLinkReply> {
        let mut p = vec![
            ("download_type", s("create_download_link")),
            ("network_type", s("internet")),
            ("include_access_code", s("false")),
            ("path", s(dir)),
            ("file_name", s(name)),
            ("file_total", s(1)),
            ("c", s(1)),
        ];
        link.push(&mut p);
        let v = self.call(Kind::Write, "get_share_link", &p, name).await?;
        wire::decode(v, "get_share_link")
    }

    /// `share_file`: `get_share_link` plus an e-mail of the link from the NAS.
    pub async fn share_file(
        &self,
        dir: &str,
        name: &str,
        link: &LinkParams<'_>,
        mail: &crate::vfs::ShareMail,
    ) -> VfsResult<ShareLinkReply> {
        let mut p = vec![
            ("download_type", s("create_download_link")),
            ("network_type", s("internet")),
            ("include_access_code", s("false")),
            ("path", s(dir)),
            ("file_name", s(name)),
            ("file_total", s(1)),
            ("c", s(1)),
            ("addressee", mail.to.join(",")),
            ("subject", mail.subject.clone()),
            ("content", mail.message.clone()),
            // Whether the mail states the expiry and the access code.
            ("mail_content_date", s(1)),
            ("mail_content_pwd", s(u8::from(link.access_code.is_some()))),
        ];
        link.push(&mut p);
        let v = self.call(Kind::Write, "share_file", &p, name).await?;
        wire::decode(v, "share_file")
    }

    pub async fn get_share_list(&self, start: u64, limit: u64) -> VfsResult<ShareListReply> {
        let v = self
            .call(
                Kind::Read,
                "get_share_list",
                &[
                    ("dir", s("ASC")),
                    ("limit", s(limit)),
                    ("sort", s("filename")),
                    ("start", s(start)),
                ],
                "share links",
            )
            .await?;
        wire::decode(v, "get_share_list")
    }

    pub async fn update_share_link(&self, ssid: &str, link: &LinkParams<'_>) -> VfsResult<()> {
        let mut p = vec![
            ("download_type", s("create_download_link")),
            ("ssids", s(ssid)),
            ("file_total", s(1)),
            ("option", s(1)),
            ("include_access_code", s("false")),
            ("allowUpload", s("false")),
        ];
        link.push(&mut p);
        self.call(Kind::Write, "update_share_link", &p, "share link")
            .await
            .map(drop)
    }

    /// `delete_share_all`: every link this account made.
    pub async fn delete_share_all(&self) -> VfsResult<()> {
        self.call(Kind::Write, "delete_share_all", &[], "share links")
            .await
            .map(drop)
    }

    pub async fn delete_share(
        &self,
        ssid: &str,
        download_link: &str,
        filename: &str,
    ) -> VfsResult<()> {
        let p = vec![
            ("ssid", s(ssid)),
            ("download_link", s(download_link)),
            ("filename", s(filename)),
            ("file_total", s(1)),
        ];
        self.call(Kind::Write, "delete_share", &p, "share link")
            .await
            .map(drop)
    }
}
