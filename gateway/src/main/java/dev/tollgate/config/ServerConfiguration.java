package dev.tollgate.config;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Customises the Reactor Netty server that Spring Boot builds (its loops are set in {@link GatewayConfiguration}).
 * Picked up by component scanning like {@link GatewayConfiguration}.
 */
@Configuration(proxyBeanMethods = false)
public class ServerConfiguration {

    /** Every HTTP/1.1 connection gets a {@link KeepAliveReadGuard} (reactor-netty issue #4361). */
    @Bean
    NettyServerCustomizer keepAliveReadGuard() {
        return server -> server.doOnChannelInit((observer, channel, remoteAddress) ->
                KeepAliveReadGuard.install(channel));
    }
}
