package dev.switchboard.sandbox;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.switchboard.common.Deployment;
import dev.switchboard.provider.SandboxInfo;
import dev.switchboard.provider.SandboxMetadata;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Which of the provider's Switchboard sandboxes this deployment may kill when it finds them by listing (reconcile,
 * admin kill-all, the CLI, cleanup): those stamped with its deployment id; never another deployment's; and, of the
 * unstamped ones made before the stamp existed, only those its database knows (referenced now, waiting for a
 * retried kill, or named in its audit trail). Unknown unstamped ones are left to their provider-side expiry.
 */
@ApplicationScoped
public class DeploymentScope {

    private static final Logger LOG = Logger.getLogger(DeploymentScope.class);

    static final String KNOWN_SQL = "SELECT active_sandbox_id FROM users WHERE active_sandbox_id = ANY($1)"
            + " UNION SELECT sandbox_id FROM pool_sandboxes WHERE sandbox_id = ANY($1)"
            + " UNION SELECT sandbox_id FROM parked_sandboxes WHERE sandbox_id = ANY($1)"
            + " UNION SELECT sandbox_id FROM pending_kills WHERE sandbox_id = ANY($1)"
            + " UNION SELECT sandbox_id FROM sandbox_events WHERE sandbox_id = ANY($1)";

    private final Deployment deployment;
    private final Pool db;

    public DeploymentScope(Deployment deployment, Pool db) {
        this.deployment = deployment;
        this.db = db;
    }

    /** The given sandboxes that are this deployment's, in the given order. */
    public Uni<List<SandboxInfo>> ours(List<SandboxInfo> sandboxes) {
        if (sandboxes.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return deployment.ids().chain(ids -> {
            String[] unstamped = sandboxes.stream().filter(s -> stamp(s) == null).map(SandboxInfo::id).toArray(String[]::new);
            Uni<Set<String>> known = unstamped.length == 0 ? Uni.createFrom().item(Set.of())
                    : db.preparedQuery(KNOWN_SQL).execute(Tuple.of(unstamped)).map(rows -> {
                        Set<String> found = new HashSet<>();
                        rows.forEach(r -> found.add(r.getString(0)));
                        return found;
                    });
            return known.map(k -> {
                List<SandboxInfo> mine = sandboxes.stream()
                        .filter(s -> stamp(s) == null ? k.contains(s.id()) : ids.owns(stamp(s)))
                        .toList();
                if (mine.size() < sandboxes.size() && LOG.isDebugEnabled()) {
                    LOG.debugf("left alone as not this deployment's (%s): %s", ids.current(), sandboxes.stream()
                            .filter(s -> !mine.contains(s)).map(s -> s.id() + "=" + stamp(s)).toList());
                }
                return mine;
            });
        });
    }

    private static String stamp(SandboxInfo s) {
        return s.metadata().get(SandboxMetadata.DEPLOYMENT);
    }
}
