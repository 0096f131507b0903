package dev.tollgate.admin;

import java.util.Set;

import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.MethodNotAllowedException;

import dev.tollgate.api.ApiError;
import reactor.core.publisher.Mono;

/**
 * The admin API's routes under {@code /admin}, outside {@code /v1} (so the gateway-key filter does not apply), every
 * one behind {@link AdminAuth}; the catch-all for other {@code /admin} paths answers 405 (a known path, another
 * method) or 404, after the same authentication, so that nothing about the admin API shows without the key.
 * Stateless.
 */
public final class AdminRoutes {

    private static final String BUDGETS = "/admin/budgets";
    private static final String RATE_LIMITS = "/admin/rate-limits";
    private static final String REST = "rest";

    private AdminRoutes() {
    }

    public static RouterFunction<ServerResponse> routes(AdminAuth auth, BudgetAdminHandler budgets,
            RateLimitAdminHandler limits) {
        return RouterFunctions.route()
                .GET(BUDGETS, budgets::list)
                .GET(BUDGETS + "/{*rest}", budgets::get)
                .PUT(BUDGETS + "/{*rest}", budgets::put)
                .DELETE(BUDGETS + "/{*rest}", budgets::delete)
                .POST(BUDGETS + "/{*rest}", budgets::reset)
                .GET(RATE_LIMITS, limits::list)
                .GET(RATE_LIMITS + "/{*rest}", limits::get)
                .PUT(RATE_LIMITS + "/{*rest}", limits::put)
                .DELETE(RATE_LIMITS + "/{*rest}", limits::delete)
                .route(RequestPredicates.path("/admin").or(RequestPredicates.path("/admin/**")),
                        AdminRoutes::fallback)
                .filter(auth)
                .build();
    }

    /** Whether the request is for the collection itself ({@code /admin/budgets/}). */
    static boolean isCollection(ServerRequest request) {
        String rest = request.pathVariable(REST);
        return rest.isEmpty() || rest.equals("/");
    }

    /** The path after the collection, for an item; on the collection itself, a 405 (only GET lists it). */
    static String itemPath(ServerRequest request) {
        if (isCollection(request)) {
            throw new MethodNotAllowedException(request.method(), Set.of(HttpMethod.GET));
        }
        return request.pathVariable(REST);
    }

    private static Mono<ServerResponse> fallback(ServerRequest request) {
        String path = request.path();
        for (String collection : new String[] {BUDGETS, RATE_LIMITS}) {
            if (path.equals(collection) || path.equals(collection + "/")) {
                return Mono.error(new MethodNotAllowedException(request.method(), Set.of(HttpMethod.GET)));
            }
            if (path.startsWith(collection + "/")) {
                boolean reset = collection.equals(BUDGETS) && path.endsWith("/reset");
                return Mono.error(new MethodNotAllowedException(request.method(), reset ? Set.of(HttpMethod.POST)
                        : Set.of(HttpMethod.GET, HttpMethod.PUT, HttpMethod.DELETE)));
            }
        }
        return Mono.error(ApiError.notFound("not_found", "Unknown path " + path + ". The admin API serves GET "
                + BUDGETS + ", GET|PUT|DELETE " + BUDGETS + "/{scope}/{subject}, POST " + BUDGETS
                + "/{scope}/{subject}/reset, GET " + RATE_LIMITS + " and GET|PUT|DELETE " + RATE_LIMITS
                + "/{scope}/{subject}.", null).exception());
    }
}
