<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>DetailsView</name>
    <message numerus="yes">
        <source>{%n key(s)}</source>
        <translation>
            <numerusform>{%n key}</numerusform>
            <numerusform>{%n keys}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>[%n item(s)]</source>
        <translation>
            <numerusform>[%n item]</numerusform>
            <numerusform>[%n items]</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>EndpointManager</name>
    <message numerus="yes">
        <source>%1: no answer within %n s.</source>
        <translation>
            <numerusform>%1: no answer within %n s.</numerusform>
            <numerusform>%1: no answer within %n s.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PayloadDiff</name>
    <message numerus="yes">
        <source>%n changed</source>
        <translation>
            <numerusform>%n changed</numerusform>
            <numerusform>%n changed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n added</source>
        <translation>
            <numerusform>%n added</numerusform>
            <numerusform>%n added</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n removed</source>
        <translation>
            <numerusform>%n removed</numerusform>
            <numerusform>%n removed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n bytes differ</source>
        <translation>
            <numerusform>%n byte differs</numerusform>
            <numerusform>%n bytes differ</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PayloadText</name>
    <message numerus="yes">
        <source>
… (%n byte(s) in all)</source>
        <translation>
            <numerusform>
… (%n byte in all)</numerusform>
            <numerusform>
… (%n bytes in all)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Too large to decode here: the first %n byte(s) as they came.

</source>
        <translation>
            <numerusform>Too large to decode here: the first %n byte as they came.

</numerusform>
            <numerusform>Too large to decode here: the first %n bytes as they came.

</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>StreamModel</name>
    <message numerus="yes">
        <source>(%n byte(s)) </source>
        <translation>
            <numerusform>(%n byte) </numerusform>
            <numerusform>(%n bytes) </numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Value</name>
    <message numerus="yes">
        <source>(undecodable, %n byte(s))</source>
        <translation>
            <numerusform>(undecodable, %n byte)</numerusform>
            <numerusform>(undecodable, %n bytes)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>codecs</name>
    <message numerus="yes">
        <source>Invalid CBOR: %n trailing byte(s) after the data item at byte %1</source>
        <translation>
            <numerusform>Invalid CBOR: %n trailing byte after the data item at byte %1</numerusform>
            <numerusform>Invalid CBOR: %n trailing bytes after the data item at byte %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>thingscape::CoapConnector</name>
    <message numerus="yes">
        <source>%n node(s) answered</source>
        <translation>
            <numerusform>%n node answered</numerusform>
            <numerusform>%n nodes answered</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n node(s) answered on %1</source>
        <translation>
            <numerusform>%n node answered on %1</numerusform>
            <numerusform>%n nodes answered on %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>thingscape::CoapContext</name>
    <message numerus="yes">
        <source>no answer from %1 after %n transmission(s) (the server is down or a firewall drops CoAP)</source>
        <translation>
            <numerusform>no answer from %1 after %n transmission (the server is down or a firewall drops CoAP)</numerusform>
            <numerusform>no answer from %1 after %n transmissions (the server is down or a firewall drops CoAP)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>thingscape::ComposeDock</name>
    <message numerus="yes">
        <source>%n bytes</source>
        <translation>
            <numerusform>%n byte</numerusform>
            <numerusform>%n bytes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source> · %n byte(s)</source>
        <translation>
            <numerusform> · %n byte</numerusform>
            <numerusform> · %n bytes</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>thingscape::DashboardsDock</name>
    <message numerus="yes">
        <source>Add %n tile(s)</source>
        <translation>
            <numerusform>Add %n tile</numerusform>
            <numerusform>Add %n tiles</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>thingscape::EndpointListModel</name>
    <message numerus="yes">
        <source>%1, reconnecting in %n s</source>
        <translation>
            <numerusform>%1, reconnecting in %n s</numerusform>
            <numerusform>%1, reconnecting in %n s</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>thingscape::HistoryDialog</name>
    <message numerus="yes">
        <source>%n message(s)</source>
        <translation>
            <numerusform>%n message</numerusform>
            <numerusform>%n messages</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>thingscape::MqttConnector</name>
    <message numerus="yes">
        <source>cleared %n retained topic(s)</source>
        <translation>
            <numerusform>cleared %n retained topic</numerusform>
            <numerusform>cleared %n retained topics</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 did not acknowledge clearing %n retained topic(s)</source>
        <translation>
            <numerusform>%1 did not acknowledge clearing %n retained topic</numerusform>
            <numerusform>%1 did not acknowledge clearing %n retained topics</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>thingscape::NodeDetails</name>
    <message numerus="yes">
        <source>Folder with %n child(ren), </source>
        <translation>
            <numerusform>Folder with %n child, </numerusform>
            <numerusform>Folder with %n children, </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n resource(s) below, </source>
        <translation>
            <numerusform>%n resource below, </numerusform>
            <numerusform>%n resources below, </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n s</source>
        <translation>
            <numerusform>%n s</numerusform>
            <numerusform>%n s</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1, next try in %n s</source>
        <translation>
            <numerusform>%1, next try in %n s</numerusform>
            <numerusform>%1, next try in %n s</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>thingscape::RecordingExportDialog</name>
    <message numerus="yes">
        <source>Exported %n message(s) to %1</source>
        <translation>
            <numerusform>Exported %n message to %1</numerusform>
            <numerusform>Exported %n messages to %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n of %1 checked</source>
        <translation>
            <numerusform>%n of %1 checked</numerusform>
            <numerusform>%n of %1 checked</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exporting %n resource(s)…</source>
        <translation>
            <numerusform>Exporting %n resource…</numerusform>
            <numerusform>Exporting %n resources…</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>thingscape::ResourceTreeDock</name>
    <message numerus="yes">
        <source>Reading %n resource(s)…</source>
        <translation>
            <numerusform>Reading %n resource…</numerusform>
            <numerusform>Reading %n resources…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Copied %n URI(s)</source>
        <translation>
            <numerusform>Copied %n URI</numerusform>
            <numerusform>Copied %n URIs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Cleared %n retained topic(s)</source>
        <translation>
            <numerusform>Cleared %n retained topic</numerusform>
            <numerusform>Cleared %n retained topics</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n selected rows</source>
        <translation>
            <numerusform>%n selected row</numerusform>
            <numerusform>%n selected rows</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Clear %n retained topic(s) under %1? Other clients will no longer receive them.</source>
        <translation>
            <numerusform>Clear %n retained topic under %1? Other clients will no longer receive them.</numerusform>
            <numerusform>Clear %n retained topics under %1? Other clients will no longer receive them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Clearing %n retained topic(s)…</source>
        <translation>
            <numerusform>Clearing %n retained topic…</numerusform>
            <numerusform>Clearing %n retained topics…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Polling %n resource(s) every %1 s</source>
        <translation>
            <numerusform>Polling %n resource every %1 s</numerusform>
            <numerusform>Polling %n resources every %1 s</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>thingscape::RulesEditor</name>
    <message numerus="yes">
        <source>%n rule(s), no problems.</source>
        <translation>
            <numerusform>%n rule, no problems.</numerusform>
            <numerusform>%n rules, no problems.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>thingscape::StatusIndicators</name>
    <message numerus="yes">
        <source>Ingestion behind: %n message(s) merged</source>
        <translation>
            <numerusform>Ingestion behind: %n message merged</numerusform>
            <numerusform>Ingestion behind: %n messages merged</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>thingscape::StreamDock</name>
    <message numerus="yes">
        <source>%n byte(s), %1

</source>
        <translation>
            <numerusform>%n byte, %1

</numerusform>
            <numerusform>%n bytes, %1

</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n message(s) to %1</source>
        <translation>
            <numerusform>Exported %n message to %1</numerusform>
            <numerusform>Exported %n messages to %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>thingscape::SystemsDock</name>
    <message numerus="yes">
        <source>Add %n resource(s) to %1</source>
        <translation>
            <numerusform>Add %n resource to %1</numerusform>
            <numerusform>Add %n resources to %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Remove %n resource(s) from %1</source>
        <translation>
            <numerusform>Remove %n resource from %1</numerusform>
            <numerusform>Remove %n resources from %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n resource(s)</source>
        <translation>
            <numerusform>%n resource</numerusform>
            <numerusform>%n resources</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>thingscape::VerbRunner</name>
    <message numerus="yes">
        <source>%n update(s) from %1 within %2 s</source>
        <translation>
            <numerusform>%n update from %1 within %2 s</numerusform>
            <numerusform>%n updates from %1 within %2 s</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>thingscape::sim::SiteSimulator</name>
    <message numerus="yes">
        <source>%n device set(s) at %1 Hz; listening on %2</source>
        <translation>
            <numerusform>%n device set at %1 Hz; listening on %2</numerusform>
            <numerusform>%n device sets at %1 Hz; listening on %2</numerusform>
        </translation>
    </message>
</context>
</TS>
