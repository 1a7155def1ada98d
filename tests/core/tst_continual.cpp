// Continual learning on Split Fashion-MNIST (tune/continual.h): the metrics' formulas on a
// hand-made matrix, and on two real tasks the behaviour every method paper starts from: plain
// fine-tuning learns each task and forgets the first one in the class-incremental setting, while
// experience replay keeps part of it; refresh runs and changes the outcome; bad settings are
// refused with a sentence.

#include "tune/continual.h"

#include "data/fashion_mnist.h"

#include <QTest>

#include <cstdio>
#include <filesystem>

using namespace reverie;

class TestContinual : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void metricsFollowThePaper() {
        // After task 0: 0.9 on task 0; after task 1: 0.6 / 0.8; after task 2: 0.5 / 0.7 / 0.9.
        const std::vector<std::vector<double>> r = {{0.9}, {0.6, 0.8}, {0.5, 0.7, 0.9}};
        QCOMPARE(tune::averageAccuracy(r), (0.5 + 0.7 + 0.9) / 3);
        // Forgetting: task 0 best 0.9 → 0.5, task 1 best 0.8 → 0.7: mean 0.25.
        QVERIFY(std::abs(tune::forgetting(r) - 0.25) < 1e-12);
        QCOMPARE(tune::forgetting({{0.9}}), 0.0);
    }

    void replayForgetsLessThanFineTuning() {
        if (!std::filesystem::exists(data::defaultFashionMnistDir())) QSKIP("no Fashion-MNIST");
        tune::ContinualParams p;
        p.tasks = 2;
        p.stepsPerTask = 40;
        p.methods = {"finetune", "er"};
        p.refresh = {false, true};
        p.testPerTask = 300;
        p.fisherSamples = 50;
        int reports = 0;
        JobContext ctx;
        ctx.progress = [&](const Progress&) { ++reports; };
        const auto r = tune::runContinual(p, ctx);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(int(r.value().size()), 4);
        QCOMPARE(reports, 4 * p.tasks);
        const auto& ft = r.value()[0];
        const auto& ftRefresh = r.value()[1];
        const auto& er = r.value()[2];
        for (const auto& run : r.value()) {
            std::printf(
                "CONTINUAL %s%s class-IL %.3f (forgetting %.3f) task-IL %.3f (forgetting %.3f) matrix "
                "[[%.3f],[%.3f, %.3f]]\n",
                run.method.c_str(), run.refresh ? "+refresh" : "", run.averageClassIl, run.forgettingClassIl,
                run.averageTaskIl, run.forgettingTaskIl, run.classIl[0][0], run.classIl[1][0],
                run.classIl[1][1]);
            QCOMPARE(int(run.classIl.size()), 2);
            QCOMPARE(int(run.classIl[1].size()), 2);
            QVERIFY(run.classIl[0][0] > 0.85); // T-shirt vs trouser is learned
            QVERIFY(run.classIl[1][1] > 0.7);  // so is pullover vs dress (10-way chance: 0.1)
        }
        // Fine-tuning alone: the second task's head takes over, the first task is forgotten.
        QVERIFY(ft.classIl[1][0] < 0.2);
        QVERIFY(ft.forgettingClassIl > 0.7);
        // Replay keeps a good part of it; the task-incremental setting forgets far less.
        QVERIFY(er.classIl[1][0] > ft.classIl[1][0] + 0.3);
        QVERIFY(er.forgettingClassIl < ft.forgettingClassIl);
        QVERIFY(ft.forgettingTaskIl < ft.forgettingClassIl);
        // Refresh changes the weights (same seed otherwise): the second row differs.
        QVERIFY(std::abs(ftRefresh.classIl[1][1] - ft.classIl[1][1]) > 0 ||
                std::abs(ftRefresh.classIl[1][0] - ft.classIl[1][0]) > 0);
    }

    void benchAveragesOverSeeds() {
        // bench continual --seeds: each figure is the mean (and sample std) of the runs with seeds
        // seed … seed + seeds − 1, which runContinual gives one by one.
        if (!std::filesystem::exists(data::defaultFashionMnistDir())) QSKIP("no Fashion-MNIST");
        tune::ContinualParams p;
        p.tasks = 2;
        p.stepsPerTask = 10;
        p.methods = {"finetune"};
        p.refresh = {false};
        p.testPerTask = 200;
        p.fisherSamples = 20;
        p.seed = 3;
        p.seeds = 2;
        const auto bench = tune::runContinualBench(p, {});
        QVERIFY2(bench.ok(), bench.ok() ? "" : bench.error().message.c_str());
        std::vector<double> values;
        for (std::uint64_t s : {3u, 4u}) {
            tune::ContinualParams q = p;
            q.seed = s;
            const auto r = tune::runContinual(q, {});
            QVERIFY(r.ok());
            values.push_back(r.value()[0].averageTaskIl);
        }
        const double mean = 0.5 * (values[0] + values[1]);
        const double sd = std::abs(values[0] - values[1]) / std::sqrt(2.0);
        QVERIFY(std::abs(bench.value().mean[0][2] - mean) < 1e-12);
        QVERIFY(std::abs(bench.value().std[0][2] - sd) < 1e-12);
        QVERIFY(bench.value().table.find("±") != std::string::npos);
        QVERIFY(bench.value().json.find("\"task_il_average_per_seed\"") != std::string::npos);
        p.seeds = 0;
        QCOMPARE(tune::runContinualBench(p, {}).error().kind, ErrorKind::InvalidInput);
    }

    void ewcLambdaWeighsThePenalty() {
        // λ = 0 is fine-tuning exactly (same seed, same batches); a stiff λ keeps more of the first
        // task than fine-tuning does (task-incremental, where its head stays).
        if (!std::filesystem::exists(data::defaultFashionMnistDir())) QSKIP("no Fashion-MNIST");
        tune::ContinualParams p;
        p.tasks = 2;
        p.stepsPerTask = 40;
        p.methods = {"finetune", "ewc"};
        p.refresh = {false};
        p.testPerTask = 300;
        p.fisherSamples = 50;
        p.ewcLambda = 0;
        const auto zero = tune::runContinual(p, {});
        QVERIFY2(zero.ok(), zero.ok() ? "" : zero.error().message.c_str());
        QCOMPARE(zero.value()[1].taskIl, zero.value()[0].taskIl);
        QCOMPARE(zero.value()[1].classIl, zero.value()[0].classIl);
        p.methods = {"ewc"};
        // The plain SGD step on the penalty diverges once 2·lr·λ·F > 2 for some weight: the run
        // says where its loss stopped being finite and stops learning there.
        p.ewcLambda = 1e6;
        p.ewcProximal = false;
        const auto stiff = tune::runContinual(p, {});
        QVERIFY(stiff.ok());
        QVERIFY2(stiff.value()[0].diverged.find("task 2, step ") == 0, stiff.value()[0].diverged.c_str());
        // The proximal step (the default) is stable at any λ, and a stiff one keeps the first task.
        p.ewcProximal = true;
        p.ewcLambda = 3000;
        const auto held = tune::runContinual(p, {});
        QVERIFY(held.ok());
        const auto& ft = zero.value()[0];
        const auto& ewc = held.value()[0];
        std::printf("EWC task-IL R[1][0], R[1][1]: λ = 0 %.3f, %.3f; proximal λ = 3000 %.3f, %.3f\n",
                    ft.taskIl[1][0], ft.taskIl[1][1], ewc.taskIl[1][0], ewc.taskIl[1][1]);
        QVERIFY(ewc.diverged.empty());
        QVERIFY(ewc.taskIl[1][0] > ft.taskIl[1][0] + 0.1); // measured 0.857 against 0.627
        QVERIFY(ewc.taskIl[1][1] > 0.7);                   // and the second task is still learned
        QVERIFY(ewc.forgettingTaskIl < ft.forgettingTaskIl);
        p.ewcLambda = -1;
        QVERIFY(tune::runContinual(p, {}).error().message.find("λ") != std::string::npos);
    }

    void badSettingsAreRefused() {
        tune::ContinualParams p;
        p.methods = {"magic"};
        QVERIFY(tune::runContinual(p, {}).error().message.find("unknown continual-learning method") !=
                std::string::npos);
        p = {};
        p.tasks = 6;
        QCOMPARE(tune::runContinual(p, {}).error().kind, ErrorKind::InvalidInput);
    }
};

QTEST_GUILESS_MAIN(TestContinual)
#include "tst_continual.moc"
