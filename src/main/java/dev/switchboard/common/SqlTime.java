package dev.switchboard.common;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import io.vertx.mutiny.sqlclient.Row;

/** Instants to and from {@code timestamptz} for the plain SQL pool, which speaks {@link OffsetDateTime}. */
public final class SqlTime {

    private SqlTime() {
    }

    /** The column as an instant, or null. */
    public static Instant instant(Row row, String column) {
        OffsetDateTime v = row.getOffsetDateTime(column);
        return v == null ? null : v.toInstant();
    }

    /** The instant as a query parameter, or null. */
    public static OffsetDateTime param(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
