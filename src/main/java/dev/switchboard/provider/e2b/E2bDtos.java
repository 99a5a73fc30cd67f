package dev.switchboard.provider.e2b;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * JSON bodies of E2B's control plane ({@code spec/openapi.yml}), only the fields used. Timestamps stay strings so
 * their parsing (RFC 3339 with nanoseconds) does not depend on the mapper's modules.
 */
public final class E2bDtos {

    private E2bDtos() {
    }

    /** {@code NewSandbox}: the body of {@code POST /sandboxes}. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NewSandbox(String templateID, Long timeout, Boolean autoPause, Boolean secure,
            Map<String, String> metadata, Map<String, String> envVars) {

        /** Without the environment's values, which may be secrets. */
        @Override
        public String toString() {
            return "NewSandbox[templateID=" + templateID + ", timeout=" + timeout + ", metadata=" + metadata + ", envVars="
                    + (envVars == null ? "none" : envVars.keySet()) + "]";
        }
    }

    /** {@code Sandbox}: the answer of create and connect. {@code domain} is null for E2B's default domain. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Sandbox(String templateID, String sandboxID, String clientID, String envdVersion, String alias,
            String envdAccessToken, String domain) {

        @Override
        public String toString() {
            return "Sandbox[sandboxID=" + sandboxID + ", templateID=" + templateID + ", domain=" + domain + "]";
        }
    }

    /**
     * {@code SandboxDetail} of {@code GET /sandboxes/{id}}, also used for the {@code ListedSandbox} items of
     * {@code GET /v2/sandboxes}, which simply lack the token and the domain.
     */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SandboxDetail(String templateID, String alias, String sandboxID, String clientID, String startedAt,
            String endAt, String state, Map<String, String> metadata, String envdVersion, String envdAccessToken,
            String domain) {

        @Override
        public String toString() {
            return "SandboxDetail[sandboxID=" + sandboxID + ", state=" + state + ", startedAt=" + startedAt + ", endAt="
                    + endAt + "]";
        }
    }

    /** The body of {@code POST /sandboxes/{id}/timeout} and {@code POST /sandboxes/{id}/connect}, in seconds. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Timeout(long timeout) {
    }

    /** Every control-plane error: {@code {"code":int,"message":str,"error_code"?:str}}. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ApiError(Integer code, String message, @JsonProperty("error_code") String errorCode) {
    }
}
