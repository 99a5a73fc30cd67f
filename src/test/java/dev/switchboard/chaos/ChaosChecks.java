package dev.switchboard.chaos;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import javax.sql.DataSource;

import dev.switchboard.provider.SandboxMetadata;

/**
 * The invariants after a chaos run, read from the database and the provider (the fake's admin API), never through
 * the service: per user, the provider's sandboxes are exactly the recorded one (no leak, no dead pointer), and the
 * recorded one holds its project's files; the planted orphan is gone; every replica is ready.
 */
final class ChaosChecks {

    /** A user's row as the database holds it. */
    private record Row(String sandbox, String project, String switchId) {
    }

    /** What one look found; {@code unsettled} names users whose record changed while it looked (a job at work). */
    record Snapshot(int usersWithSandbox, int emptySandboxes, int filesVerified, List<String> leaks, List<String> deadPointers,
            List<String> wrongFiles, List<String> poolLeaks, boolean orphanPresent, int switchesInFlight, int pendingKills,
            int poolSandboxes, int[] readiness, List<String> unsettled) {

        boolean allReady() {
            return Arrays.stream(readiness).allMatch(s -> s == 200);
        }

        boolean ok() {
            return leaks.isEmpty() && deadPointers.isEmpty() && wrongFiles.isEmpty() && poolLeaks.isEmpty() && !orphanPresent
                    && unsettled.isEmpty() && allReady();
        }
    }

    private final DataSource db;
    private final FakeProcess fake;
    private final List<ChaosUser> users;
    private final Replicas replicas;
    /** Wrong files are wrong whenever seen: they stay reported even if the sandbox goes later. */
    private final Set<String> wrongFiles = new TreeSet<>();
    volatile String orphanId;

    ChaosChecks(DataSource db, FakeProcess fake, List<ChaosUser> users, Replicas replicas) {
        this.db = db;
        this.fake = fake;
        this.users = users;
        this.replicas = replicas;
    }

    Snapshot snapshot() throws SQLException, IOException, InterruptedException {
        Map<String, Row> before;
        Set<String> pool = new HashSet<>();
        Map<String, String> parked = new HashMap<>();
        int pending;
        try (Connection c = db.getConnection()) {
            before = rows(c);
            query(c, "SELECT sandbox_id FROM pool_sandboxes", rs -> pool.add(rs.getString(1)));
            query(c, "SELECT sandbox_id, user_id FROM parked_sandboxes", rs -> parked.put(rs.getString(1), rs.getString(2)));
            int[] n = new int[1];
            query(c, "SELECT count(*) FROM pending_kills", rs -> n[0] = rs.getInt(1));
            pending = n[0];
        }
        List<FakeProcess.Listed> listed = fake.sandboxes();
        Map<String, Row> after;
        try (Connection c = db.getConnection()) {
            after = rows(c);
            query(c, "SELECT sandbox_id FROM pool_sandboxes", rs -> pool.add(rs.getString(1)));
        }
        Map<String, FakeProcess.Listed> byId = new HashMap<>();
        listed.forEach(s -> byId.put(s.id(), s));
        Map<String, ChaosUser> userById = new HashMap<>();
        users.forEach(u -> userById.put(u.id, u));

        List<String> unsettled = new ArrayList<>();
        Set<String> referenced = new HashSet<>(pool);
        referenced.addAll(parked.keySet());
        for (ChaosUser u : users) {
            Row b = before.get(u.id);
            Row a = after.get(u.id);
            if (!Objects.equals(b == null ? null : b.sandbox(), a == null ? null : a.sandbox())) {
                unsettled.add(u.id);
            }
            for (Row r : new Row[] {b, a}) {
                if (r != null && r.sandbox() != null) {
                    referenced.add(r.sandbox());
                }
            }
        }

        List<String> leaks = new ArrayList<>();
        List<String> poolLeaks = new ArrayList<>();
        boolean orphanPresent = false;
        for (FakeProcess.Listed s : listed) {
            if (s.id().equals(orphanId)) {
                orphanPresent = true;
                continue;
            }
            if (referenced.contains(s.id())) {
                continue;
            }
            String owner = s.metadata().get(SandboxMetadata.OWNER);
            if (owner != null) {
                Row r = after.get(owner);
                leaks.add(owner + ": " + s.id() + " (" + s.state() + ") is not recorded; the record names "
                        + (r == null ? "no user" : r.sandbox()));
            } else if (s.metadata().containsKey(SandboxMetadata.POOL)) {
                poolLeaks.add(s.id() + " (" + s.state() + ", pool " + s.metadata().get(SandboxMetadata.POOL) + ") is in no pool row");
            } else {
                leaks.add("nobody's: " + s.id() + " (" + s.state() + ", metadata " + s.metadata() + ")");
            }
        }

        List<String> dead = new ArrayList<>();
        int withSandbox = 0;
        int empty = 0;
        int verified = 0;
        int inFlight = 0;
        for (ChaosUser u : users) {
            Row r = after.get(u.id);
            if (r == null) {
                continue;
            }
            if (r.switchId() != null) {
                inFlight++;
            }
            if (r.sandbox() == null || unsettled.contains(u.id)) {
                continue;
            }
            FakeProcess.Listed s = byId.get(r.sandbox());
            if (s == null) {
                dead.add(u.id + ": records " + r.sandbox() + ", which the provider does not have");
                continue;
            }
            withSandbox++;
            String owner = s.metadata().get(SandboxMetadata.OWNER);
            if (owner != null && !owner.equals(u.id)) {
                wrong(u.id + ": records " + s.id() + ", which belongs to " + owner);
            }
            if (r.project() == null) {
                empty++;
                continue;
            }
            int p = u.projects.indexOf(r.project());
            if (p < 0) {
                wrong(u.id + ": records project " + r.project() + ", not one of its own");
                continue;
            }
            String holds = s.metadata().get(SandboxMetadata.PROJECT);
            if (holds != null && !holds.equals(r.project())) {
                wrong(u.id + ": " + s.id() + " was made for project " + holds + " but the record says " + r.project());
            }
            int ok = 0;
            boolean gone = false;
            for (Map.Entry<String, byte[]> f : u.files.get(p).entrySet()) {
                Optional<byte[]> got = fake.file(s.id(), f.getKey());
                if (got == null) {
                    gone = true;
                    break;
                }
                if (got.isPresent() && Arrays.equals(got.get(), f.getValue())) {
                    ok++;
                } else {
                    wrong(u.id + ": " + s.id() + " (project " + p + ") " + (got.isEmpty() ? "lacks " : "has other bytes in ")
                            + f.getKey());
                }
            }
            if (gone) {
                unsettled.add(u.id); // a job took it while we read: look again
            } else {
                verified += ok;
            }
        }
        int[] ready = new int[replicas.size()];
        for (int i = 0; i < ready.length; i++) {
            ready[i] = replicas.readiness(i);
        }
        List<String> wrong;
        synchronized (wrongFiles) {
            wrong = List.copyOf(wrongFiles);
        }
        return new Snapshot(withSandbox, empty, verified, leaks, dead, wrong, poolLeaks, orphanPresent, inFlight, pending,
                pool.size(), ready, unsettled);
    }

    private void wrong(String what) {
        synchronized (wrongFiles) {
            wrongFiles.add(what);
        }
    }

    private static Map<String, Row> rows(Connection c) throws SQLException {
        Map<String, Row> rows = new HashMap<>();
        query(c, "SELECT id, active_sandbox_id, active_project_id, switch_id FROM users WHERE id LIKE 'chaos-user-%'",
                rs -> rows.put(rs.getString(1), new Row(rs.getString(2), rs.getString(3), rs.getString(4))));
        return rows;
    }

    private interface RowReader {
        void read(ResultSet rs) throws SQLException;
    }

    private static void query(Connection c, String sql, RowReader reader) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                reader.read(rs);
            }
        }
    }
}
