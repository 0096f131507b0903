package dev.tollgate.gateway;

/** Every exchange-attribute key Tollgate uses, in one place. */
public final class ExchangeAttributes {

    /** {@link dev.tollgate.auth.Principal} of the caller. */
    public static final String PRINCIPAL = "tollgate.principal";
    /** The call's request id (String). */
    public static final String REQUEST_ID = "tollgate.requestId";
    /** {@link dev.tollgate.metering.CallRecord} of a chat call. */
    public static final String CALL = "tollgate.call";
    /** {@link dev.tollgate.routing.Decision.Routed} of a chat call. */
    public static final String DECISION = "tollgate.decision";
    /** {@link dev.tollgate.routing.Tables} snapshot the call started with. */
    public static final String TABLES = "tollgate.tables";

    private ExchangeAttributes() {
    }
}
