package dev.switchboard.provider.blaxel;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.switchboard.provider.ProviderException;
import dev.switchboard.provider.ProviderException.Kind;
import dev.switchboard.provider.blaxel.BlaxelModel.Sandbox;
import io.smallrye.mutiny.Uni;

/**
 * Parking on Blaxel, which has no pause call: a sandbox nobody talks to goes to standby by itself, files and processes
 * kept, and wakes on the next request. Parking is keeping it from being deleted meanwhile: its ttl-idle and
 * ttl-max-age expiration policies are stretched to cover the time it must stay resumable (the SDK's updateLifecycle:
 * the sandbox as GET answered it, policies changed, sent back with PUT), and set back on resume.
 */
final class BlaxelParking {

    static final String TTL_IDLE = "ttl-idle";
    static final String TTL_MAX_AGE = "ttl-max-age";
    private static final Pattern DURATION = Pattern.compile("([0-9]+)([smhdw])");
    private static final Pattern WHOLE_DURATION = Pattern.compile("^([0-9]+[smhdw])+$");

    private final BlaxelClient client;
    private final BlaxelDataClient data;
    private final ObjectMapper json;
    private final Function<Sandbox, String> url;
    private final String root;
    private final Expiry expiry;

    /**
     * How long Blaxel keeps a sandbox: {@code margin} past Switchboard's own deadlines, and when it is not parked, the
     * {@code idle} and {@code maxAge} policies a create sets.
     */
    record Expiry(Duration margin, Duration idle, Duration maxAge) {
    }

    BlaxelParking(BlaxelClient client, BlaxelDataClient data, ObjectMapper json, Function<Sandbox, String> url,
            String root, Expiry expiry) {
        this.client = client;
        this.data = data;
        this.json = json;
        this.url = url;
        this.root = root;
        this.expiry = expiry;
    }

    /**
     * Makes the sandbox stay for {@code keep} plus the margin however idle it is, then leaves it to go to standby.
     * Policies are only ever lengthened here, so parking twice is one change. False when it is gone.
     */
    Uni<Boolean> pause(String name, Duration keep) {
        Duration stay = keep.plus(expiry.margin());
        return client.getDocument(name).chain(found -> {
            if (found.isEmpty() || BlaxelMapping.gone(found.get().path("status").asText(null))) {
                return Uni.createFrom().item(false);
            }
            Optional<ObjectNode> stretched = withExpiry(found.get(), stay, false, stay, Instant.now());
            if (stretched.isEmpty()) {
                return Uni.createFrom().item(true);
            }
            return client.update(name, stretched.get()).map(Optional::isPresent)
                    // Refused while being deleted: gone for a caller that wants to park it.
                    .onFailure(e -> e instanceof ProviderException p && p.kind() == Kind.CONFLICT).recoverWithItem(false);
        });
    }

    /**
     * Sets the idle policy back to a running sandbox's (never shorter than {@code timeout} plus the margin), gives it
     * a full max age from now (a resumed sandbox starts a new run, as on E2B), then wakes it with one data-plane
     * request, which also restarts its idle clock; the retries of that request absorb the edge's failures while it
     * wakes. Answers the sandbox, awake; empty when it is gone.
     */
    Uni<Optional<Sandbox>> resume(String name, Duration timeout) {
        Duration timeoutIdle = timeout.plus(expiry.margin());
        Duration idle = timeoutIdle.compareTo(expiry.idle()) > 0 ? timeoutIdle : expiry.idle();
        return client.getDocument(name).chain(found -> {
            if (found.isEmpty() || BlaxelMapping.gone(found.get().path("status").asText(null))) {
                return Uni.createFrom().item(Optional.<Sandbox> empty());
            }
            Optional<ObjectNode> reset = withExpiry(found.get(), idle, true, expiry.maxAge(), Instant.now());
            Uni<Optional<Sandbox>> updated = reset.isEmpty()
                    ? Uni.createFrom().item(Optional.of(json.convertValue(found.get(), Sandbox.class)))
                    : client.update(name, reset.get());
            return updated.chain(sandbox -> sandbox.isEmpty() ? Uni.createFrom().item(sandbox)
                    : data.touch(name, url.apply(sandbox.get()), root).replaceWith(sandbox));
        }).onFailure(e -> e instanceof ProviderException p && (p.kind() == Kind.GONE || p.kind() == Kind.CONFLICT))
                .recoverWithItem(Optional.empty());
    }

    /**
     * The sandbox (as GET answered it) with its ttl-idle policy set to {@code idle} ({@code idleExactly}) or raised to
     * it, and its ttl-max-age raised to its age now plus {@code beyondAge} (its current max age stands for its age
     * when its creation time is unknown: it cannot be older). Policies it does not have are not added (that expiry
     * does not apply to it), date policies and every other field are left as they are. Empty when nothing changes.
     */
    static Optional<ObjectNode> withExpiry(ObjectNode sandbox, Duration idle, boolean idleExactly, Duration beyondAge,
            Instant now) {
        ObjectNode copy = sandbox.deepCopy();
        JsonNode policies = copy.path("spec").path("lifecycle").path("expirationPolicies");
        if (!policies.isArray()) {
            return Optional.empty();
        }
        Instant createdAt = BlaxelMapping.parseInstant(copy.path("metadata").path("createdAt").asText(null));
        boolean changed = false;
        for (JsonNode node : policies) {
            if (!(node instanceof ObjectNode policy)) {
                continue;
            }
            String type = policy.path("type").asText("");
            Duration current = parseDuration(policy.path("value").asText(""));
            Duration wanted;
            if (type.equals(TTL_IDLE)) {
                wanted = idleExactly || current == null || current.compareTo(idle) < 0 ? idle : current;
            } else if (type.equals(TTL_MAX_AGE)) {
                Duration age = createdAt != null ? Duration.between(createdAt, now) : current;
                Duration needed = (age == null || age.isNegative() ? Duration.ZERO : age).plus(beyondAge);
                wanted = current == null || current.compareTo(needed) < 0 ? needed : current;
            } else {
                continue;
            }
            wanted = wholeSeconds(wanted);
            if (!wanted.equals(current)) {
                policy.put("value", BlaxelMapping.duration(wanted));
                changed = true;
            }
        }
        return changed ? Optional.of(copy) : Optional.empty();
    }

    /** Blaxel's duration format ({@code 90s}, {@code 1h30m}, {@code 2d}); null when it is not one. */
    static Duration parseDuration(String text) {
        if (text == null || !WHOLE_DURATION.matcher(text).matches()) {
            return null;
        }
        Duration total = Duration.ZERO;
        Matcher m = DURATION.matcher(text);
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            });
        }
        return total;
    }

    /** Rounded up to whole seconds, as {@link BlaxelMapping#duration} writes it. */
    private static Duration wholeSeconds(Duration d) {
        Duration floor = Duration.ofSeconds(d.getSeconds());
        return floor.equals(d) ? d : floor.plusSeconds(1);
    }
}
