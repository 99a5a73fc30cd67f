package dev.switchboard.admin;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operators' listing of recorded sandboxes, shared by the admin API (reactive client, inside the service) and
 * {@code sandboxes --list} (plain JDBC, without booting it): one statement, one row mapping, one printed form.
 * Depends on neither CDI nor Vert.x, so the CLI can use it before Quarkus starts.
 */
final class SandboxListing {

    /** Rows read per query; pages are keyed by user id. */
    static final int PAGE = 1000;

    /**
     * Users with a recorded or a parked sandbox whose id is after {@code $1}, by id, at most {@code $2}.
     * {@code provider_expired}: the provider's own deadline for the sandbox has passed, so the provider no longer has
     * it, whoever asks. {@code parked}: the user's parked sandboxes, newest first, each as "id project fragment|- at".
     */
    static final String PAGE_SQL = """
            SELECT u.id, u.name, u.email, u.active_sandbox_id, u.sandbox_url, u.active_project_id, p.name AS project_name,
                   u.sandbox_created_at, u.sandbox_last_used_at, u.sandbox_expires_at,
                   coalesce(u.sandbox_provider_expires_at <= now(), false) AS provider_expired,
                   ARRAY(SELECT k.sandbox_id || ' ' || k.project_id || ' ' || coalesce(k.fragment_id::text, '-') || ' '
                                || to_char(k.parked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                         FROM parked_sandboxes k WHERE k.user_id = u.id ORDER BY k.parked_at DESC, k.sandbox_id) AS parked
            FROM users u LEFT JOIN projects p ON p.id = u.active_project_id
            WHERE (u.active_sandbox_id IS NOT NULL OR EXISTS (SELECT 1 FROM parked_sandboxes k WHERE k.user_id = u.id))
              AND u.id > $1 ORDER BY u.id LIMIT $2""";

    static final String LIVE = "live";
    static final String STOPPED = "stopped";
    /** Only parked sandboxes, no running one. */
    static final String NONE = "none";

    private static final String RULE = "=".repeat(80);
    private static final Pattern NUMBERED = Pattern.compile("\\$(\\d+)");

    private SandboxListing() {
    }

    /** One result row, whichever client read it. */
    interface Columns {
        String text(String column);

        UUID uuid(String column);

        Instant instant(String column);

        boolean flag(String column);

        /** A text array column. */
        List<String> texts(String column);
    }

    /** Reads one page: users after {@code after} (null for the first), at most {@code limit}. */
    @FunctionalInterface
    interface Pages {
        List<UserSandbox> read(String after, int limit) throws Exception;
    }

    /** The page statement for JDBC, whose placeholders are {@code ?} where the reactive client numbers them. */
    static String jdbcSql() {
        Matcher m = NUMBERED.matcher(PAGE_SQL);
        StringBuilder sql = new StringBuilder();
        int expected = 1;
        while (m.find()) {
            if (Integer.parseInt(m.group(1)) != expected++) {
                throw new IllegalStateException("JDBC binds parameters in order of appearance: " + PAGE_SQL);
            }
            m.appendReplacement(sql, "?");
        }
        return m.appendTail(sql).toString();
    }

    /** The parameters of one page, in placeholder order. */
    static List<Object> params(String after, int limit) {
        return List.of(after == null ? "" : after, limit);
    }

    /**
     * One row as operators see it. {@code alive} is the provider's answer when the caller asked it, else null: then
     * only a passed provider deadline marks the sandbox stopped.
     */
    static UserSandbox row(Columns r, Boolean alive) {
        boolean stopped = alive != null ? !alive : r.flag("provider_expired");
        String sandboxId = r.text("active_sandbox_id");
        List<UserSandbox.Parked> parked = new ArrayList<>();
        for (String k : r.texts("parked")) {
            String[] f = k.split(" ");
            parked.add(new UserSandbox.Parked(f[0], UUID.fromString(f[1]), f[2].equals("-") ? null : UUID.fromString(f[2]),
                    Instant.parse(f[3])));
        }
        return new UserSandbox(r.text("id"), r.text("name"), r.text("email"), sandboxId,
                r.text("sandbox_url"), r.uuid("active_project_id"), r.text("project_name"),
                r.instant("sandbox_created_at"), r.instant("sandbox_last_used_at"), r.instant("sandbox_expires_at"),
                sandboxId == null ? NONE : stopped ? STOPPED : LIVE, List.copyOf(parked));
    }

    /** Every page, in user id order. */
    static List<UserSandbox> all(Pages pages) throws Exception {
        List<UserSandbox> users = new ArrayList<>();
        String after = null;
        while (true) {
            List<UserSandbox> page = pages.read(after, PAGE);
            users.addAll(page);
            if (page.size() < PAGE) {
                return users;
            }
            after = page.get(page.size() - 1).userId();
        }
    }

    /** The CLI's form of the listing (the seed's sample, plus the stopped marker). */
    static void print(PrintWriter out, List<UserSandbox> users) {
        out.printf("📊 Found %d users with active sandboxes:%n%s%n", users.size(), RULE);
        for (UserSandbox u : users) {
            out.println();
            out.printf("👤 %s (%s)%n", u.name() != null ? u.name() : u.userId(), u.email() != null ? u.email() : "no email");
            out.println("   User ID: " + u.userId());
            out.println("   Active sandbox: " + (u.sandboxId() == null ? "none"
                    : u.sandboxId() + (STOPPED.equals(u.status()) ? " (stopped; will be cleared)" : "")));
            out.println("   Active project: " + (u.projectId() == null ? "none" : u.projectId()
                    + (u.projectName() == null ? "" : " (" + u.projectName() + ")")));
            out.println("   Created: " + u.createdAt());
            out.println("   Last used: " + u.lastUsedAt());
            for (UserSandbox.Parked k : u.parked()) {
                out.println("   Parked sandbox: " + k.sandboxId() + " (project " + k.projectId() + ", since " + k.parkedAt() + ")");
            }
        }
        out.flush();
    }
}
