// Peak memory for a huge HTTP body against the default 16 MiB limit. A real raw HTTP server
// here streams the body with Content-Length (the early refusal) and chunked (refused as it
// grows). The read must fail with the size named; the peak RSS is printed. ctest runs the quick
// mode (16 MiB + 1 bytes, no figure asserted); run it by hand for the 200 MiB figure.

#include "protocols/http/httpconnector.h"

#include "rawhttpserver.h"

#include <QCoro/QCoroTask>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QTcpSocket>
#include <QTest>

#include <algorithm>
#include <vector>

#include <sys/resource.h>

using namespace thingscape;
using testsupport::RawHttpRequest;
using testsupport::RawHttpServer;

namespace {

qint64 peakRssKiB()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

// Writes `total` bytes in 1 MiB pieces as the socket drains, as a real server would.
void stream(QTcpSocket *socket, qint64 total, bool chunked)
{
    auto left = std::make_shared<qint64>(total);
    const QByteArray piece(1024 * 1024, 'x');
    QPointer<QTcpSocket> guard(socket);
    auto pump = [guard, left, piece, chunked] {
        while (guard && *left > 0 && guard->bytesToWrite() < 4 * 1024 * 1024) {
            const qint64 n = std::min<qint64>(*left, piece.size());
            if (chunked)
                guard->write(QByteArray::number(n, 16) + "\r\n" + piece.left(n) + "\r\n");
            else
                guard->write(piece.left(n));
            *left -= n;
        }
        if (guard && *left == 0) {
            *left = -1;
            if (chunked)
                guard->write("0\r\n\r\n");
            guard->disconnectFromHost();
        }
    };
    QObject::connect(socket, &QTcpSocket::bytesWritten, socket, pump);
    pump();
}

} // namespace

class BenchHttpBody : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void hugeBodyIsRefusedWithBoundedMemory_data()
    {
        QTest::addColumn<bool>("chunked");
        QTest::newRow("Content-Length") << false;
        QTest::newRow("chunked") << true;
    }

    void hugeBodyIsRefusedWithBoundedMemory()
    {
        QFETCH(bool, chunked);
        const bool quick = qEnvironmentVariableIsSet("THINGSCAPE_BENCH_QUICK");
        const qint64 total = quick ? EndpointConfig::kDefaultMaxMessageBytes + 1 : qint64(200) * 1024 * 1024;
        RawHttpServer server;
        QVERIFY(server.listen());
        server.route("/huge", [total, chunked](const RawHttpRequest &, QTcpSocket *socket) {
            QList<QPair<QByteArray, QByteArray>> headers = {{"Content-Type", "application/json"}, {"Connection", "close"}};
            if (chunked)
                headers.append(qMakePair(QByteArray("Transfer-Encoding"), QByteArray("chunked")));
            else
                headers.append(qMakePair(QByteArray("Content-Length"), QByteArray::number(total)));
            RawHttpServer::writeHead(socket, 200, "OK", headers);
            stream(socket, total, chunked);
        });
        EndpointConfig config; // the default limit
        const QString uri = QStringLiteral("http://127.0.0.1:%1/huge").arg(server.port());
        config.url = ResourceId::parse(uri)->endpoint();
        HttpConnector connector(config);
        const qint64 before = peakRssKiB();
        QElapsedTimer timer;
        timer.start();
        const ReadResult read = QCoro::waitFor(connector.read(*ResourceId::parse(uri), std::chrono::seconds(60)));
        const qint64 ms = timer.elapsed();
        QVERIFY(!read.result.ok());
        QVERIFY2(read.result.error.contains(QLatin1String("size limit of 16 MiB")), qPrintable(read.result.error));
        qInfo("%s body of %lld bytes: refused in %lld ms; peak RSS %lld MiB (before the read %lld MiB)",
              chunked ? "chunked" : "Content-Length", total, ms, peakRssKiB() / 1024, before / 1024);
    }

    // Reads of a small value and of a 4 MiB body, one after another (each on its own
    // connection): the median time per read. The quick mode only checks that every read
    // succeeds with the whole body.
    void readTimes_data()
    {
        QTest::addColumn<int>("bytes");
        QTest::newRow("small") << 5;
        QTest::newRow("4 MiB") << 4 * 1024 * 1024;
    }

    void readTimes()
    {
        QFETCH(int, bytes);
        const bool quick = qEnvironmentVariableIsSet("THINGSCAPE_BENCH_QUICK");
        const int reads = quick ? 5 : (bytes > 1000 ? 40 : 400);
        RawHttpServer server;
        QVERIFY(server.listen());
        const QByteArray body(bytes, '7');
        server.route("/value", [body](const RawHttpRequest &, QTcpSocket *socket) {
            RawHttpServer::respond(socket, 200, "OK", "text/plain", body);
        });
        EndpointConfig config;
        const QString uri = QStringLiteral("http://127.0.0.1:%1/value").arg(server.port());
        config.url = ResourceId::parse(uri)->endpoint();
        HttpConnector connector(config);
        std::vector<qint64> times;
        for (int i = 0; i < reads; ++i) {
            QElapsedTimer timer;
            timer.start();
            const ReadResult read = QCoro::waitFor(connector.read(*ResourceId::parse(uri), std::chrono::seconds(30)));
            times.push_back(timer.nsecsElapsed());
            QVERIFY2(read.result.ok(), qPrintable(read.result.error));
            QCOMPARE(read.value.raw.size(), qsizetype(bytes));
        }
        // Baseline in the same run: Qt's QNetworkAccessManager (keep-alive) reading the same body.
        QNetworkAccessManager manager;
        std::vector<qint64> baseline;
        for (int i = 0; i < reads; ++i) {
            QElapsedTimer timer;
            timer.start();
            std::unique_ptr<QNetworkReply> reply(manager.get(QNetworkRequest(QUrl(uri))));
            QByteArray got;
            QObject::connect(reply.get(), &QNetworkReply::readyRead, reply.get(), [&got, &reply] { got += reply->readAll(); });
            QEventLoop loop;
            QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
            if (!reply->isFinished())
                loop.exec();
            got += reply->readAll();
            baseline.push_back(timer.nsecsElapsed());
            QCOMPARE(got.size(), qsizetype(bytes));
        }
        std::sort(times.begin(), times.end());
        std::sort(baseline.begin(), baseline.end());
        const double median = double(times[times.size() / 2]) / 1e6;
        const double baselineMedian = double(baseline[baseline.size() / 2]) / 1e6;
        qInfo("%d reads of %d bytes: median %.3f ms (QNetworkAccessManager %.3f ms, ratio %.2f)", reads, bytes, median,
              baselineMedian, median / baselineMedian);
    }
};

QTEST_GUILESS_MAIN(BenchHttpBody)
#include "bench_http_body.moc"
