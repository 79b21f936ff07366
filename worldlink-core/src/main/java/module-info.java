/**
 * WorldLink's core: worlds, agents, chat models, the event bus and the wire protocol, with no framework. A
 * host application uses {@code io.worldlink}; a Java client of a WorldLink server uses
 * {@code io.worldlink.client}. What is under {@code io.worldlink.internal} is not exported: it may change in
 * any release, and no other module can compile against it.
 */
module io.worldlink {
    // JSON of the wire protocol and the files; no Gson type is part of the API.
    requires com.google.gson;
    // The client's WebSocket and the OpenAI-compatible model's HTTP calls.
    requires java.net.http;

    exports io.worldlink;
    exports io.worldlink.event;
    exports io.worldlink.model;
    exports io.worldlink.client;
    exports io.worldlink.cluster;
}
