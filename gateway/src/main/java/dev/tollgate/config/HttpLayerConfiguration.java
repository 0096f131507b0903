package dev.tollgate.config;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.tollgate.gateway.BodyWork;
import dev.tollgate.gateway.HttpLayerCustomizer;

/**
 * The web server's own handling of what it refuses before the gateway sees a request (JSON bodies for Reactor
 * Netty's refusals, lingering closes: {@link HttpLayerCustomizer}), and the worker threads that keep large request
 * bodies off the event loops ({@link BodyWork}).
 */
@Configuration(proxyBeanMethods = false)
public class HttpLayerConfiguration {

    /** A lingering close drops at most what a client may send in one request body. */
    @Bean
    HttpLayerCustomizer httpLayerCustomizer(TollgateProperties properties) {
        return new HttpLayerCustomizer(properties.limits().maxBodySize().toBytes());
    }

    @Bean(destroyMethod = "close")
    BodyWork bodyWork(TollgateProperties properties) {
        TollgateProperties.Limits limits = properties.limits();
        return new BodyWork(limits.largeBodyThreshold().toBytes(), limits.largeBodyWorkers(), limits.largeBodyQueue());
    }
}
