#pragma once

#include <QObject>

#include <memory>

namespace thingscape {

class DesktopSecretProvider;
class Engine;
class EndpointManager;
class ResourceStore;
class ResourceTreeModel;
class SecretStore;
class StreamModel;

// What one window shows: the engine (store and endpoints) and the view models built on its
// store, plus the keyring the window's secrets come from. The models go before the engine.
class WindowModels : public QObject
{
    Q_OBJECT

public:
    // Updates a connector hands the window at most at once (see EndpointManager::setHandOverLimit()).
    static constexpr qsizetype kHandOverLimit = 1000;
    static constexpr int kApplySliceMs = 8;

    explicit WindowModels(QObject *parent = nullptr);
    ~WindowModels() override;

    Engine *engine() const { return m_engine.get(); }
    ResourceStore *store() const;
    EndpointManager *endpoints() const;
    ResourceTreeModel *treeModel() const { return m_tree.get(); }
    StreamModel *streamModel() const { return m_stream.get(); }
    SecretStore *secrets() const { return m_secrets; }
    DesktopSecretProvider *secretProvider() const { return m_secretProvider; }

private:
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<ResourceTreeModel> m_tree;
    std::unique_ptr<StreamModel> m_stream;
    SecretStore *m_secrets;                   // Owned (QObject child).
    DesktopSecretProvider *m_secretProvider; // Owned (QObject child).
};

} // namespace thingscape
