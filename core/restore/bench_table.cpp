// `bench restore`'s human-readable table, built from its JSON alone, and the merge of a sharded
// run's parts (restore/bench.h).

#include "restore/bench_table.h"

#include "base/shard.h"
#include "restore/bench.h"

#include <cstdio>
#include <limits>
#include <sstream>
#include <string>

namespace reverie::restore {

namespace {

std::string fmt(double v, int prec = 2) {
    char b[32];
    std::snprintf(b, sizeof b, "%.*f", prec, v);
    return b;
}

double numberOr(const nlohmann::json& j, const char* key, double otherwise) {
    return j.contains(key) && j[key].is_number() ? j[key].get<double>() : otherwise;
}

} // namespace

// The human-readable table, from the bench's JSON alone (so that `reverie-cli merge` prints what
// one unsharded run prints).
std::string benchTable(const nlohmann::json& j) {
    std::ostringstream t;
    char line[200];
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (!j["tasks"].empty())
        t << "task            method              NFE    PSNR    SSIM      FD    s/image\n";
    for (const auto& tj : j["tasks"]) {
        const auto task = tj["task"].get<std::string>();
        const auto& d = tj["degraded"];
        const auto& c = tj["classical"];
        std::snprintf(line, sizeof line, "%-15s %-18s %4s  %6.2f  %6.4f  %6.2f\n", task.c_str(), "degraded",
                      "-", d["psnr"].get<double>(), d["ssim"].get<double>(), numberOr(d, "fd", nan));
        t << line;
        std::snprintf(line, sizeof line, "%-15s %-18s %4s  %6.2f  %6.4f  %6.2f  %.4f\n", task.c_str(),
                      "classical", "-", c["psnr"].get<double>(), c["ssim"].get<double>(),
                      numberOr(c, "fd", nan), c["seconds_per_image"].get<double>());
        t << line;
        for (const auto& r : tj["rows"]) {
            std::snprintf(line, sizeof line, "%-15s %-18s %4lld  %6.2f  %6.4f  %6.2f  %.4f\n", task.c_str(),
                          r["sampler"].get<std::string>().c_str(), r["nfe"].get<long long>(),
                          r["psnr"].get<double>(), r["ssim"].get<double>(), numberOr(r, "fd", nan),
                          r["seconds_per_image"].get<double>());
            t << line;
        }
    }
    for (const char* key : {"sigma_sweep", "task_sweep"}) {
        if (!j.contains(key)) continue;
        const auto& sw = j[key];
        const int photos = sw["photos"].get<int>(), crop = sw["crop"].get<int>();
        t << "\nphoto sweep (" << sw["model"].get<std::string>() << ", " << photos << " photos of "
          << sw["set"].get<std::string>() << ", centre crop "
          << (crop > 0 ? std::to_string(crop) : std::string("none"))
          << "; means over photos; wins = photos where the model beats the classical peer in PSNR)\n"
          << "condition        method               NFE    PSNR    SSIM   wins\n";
        for (const auto& row : sw["rows"]) {
            const auto task = row["task"].get<std::string>();
            const std::string label =
                row.contains("sigma255") ? "noise " + fmt(row["sigma255"].get<double>(), 0) : task;
            std::snprintf(line, sizeof line, "%-15s  %-18s %5s  %6.2f  %6.4f\n", label.c_str(), "degraded",
                          "-", row["noisy"]["psnr"].get<double>(), row["noisy"]["ssim"].get<double>());
            t << line;
            std::snprintf(line, sizeof line, "%-15s  %-18s %5s  %6.2f  %6.4f\n", label.c_str(),
                          row["classical"]["method"].get<std::string>().c_str(), "-",
                          row["classical"]["psnr"].get<double>(), row["classical"]["ssim"].get<double>());
            t << line;
            for (const auto& m : row["model"]) {
                std::string sigmaNote;
                if (m.contains("noise_sigma")) {
                    char buf[48];
                    std::snprintf(buf, sizeof buf, "  sigma %s %.1f",
                                  m["noise_sigma"].get<std::string>() == "given" ? "given" : "est.",
                                  m["noise_sigma_mean"].get<double>());
                    sigmaNote = buf;
                }
                std::string method =
                    m["sampler"].get<std::string>() + (m.value("consistent", false) ? "+dc" : "");
                if (m.contains("pnp")) method = "pnp " + m["pnp"].get<std::string>();
                if (m.contains("blend")) {
                    char b[32];
                    std::snprintf(b, sizeof b, " blend %g", m["blend"].get<double>());
                    method += b;
                }
                std::snprintf(line, sizeof line, "%-15s  %-18s %5d  %6.2f  %6.4f  %d/%d%s\n", label.c_str(),
                              method.c_str(), m["nfe"].get<int>(), m["psnr"].get<double>(),
                              m["ssim"].get<double>(), m["wins"].get<int>(), photos, sigmaNote.c_str());
                t << line;
            }
        }
    }
    if (j.contains("levers")) {
        const auto& lv = j["levers"];
        const int crop = lv["crop"].get<int>();
        const double nlmSpeed = lv["classical"]["seconds_per_megapixel"].get<double>();
        t << "\nphoto speed levers (" << lv["model"].get<std::string>() << ", " << lv["photos"].get<int>()
          << " photos of " << lv["set"].get<std::string>() << ", centre crop "
          << (crop > 0 ? std::to_string(crop) : std::string("none")) << ", "
          << fmt(lv["megapixels"].get<double>(), 2) << " MP, noise sigma "
          << fmt(lv["sigma255"].get<double>(), 0) << " estimated by the model, NLM given it)\n"
          << "lever                              sampler           NFE  tile  ovl    PSNR    SSIM     s/MP  "
             "x NLM  net s/MP\n";
        std::snprintf(line, sizeof line, "%-34s %-16s %4s %5s %4s  %6.2f  %6.4f\n", "noisy input", "-", "-",
                      "-", "-", lv["noisy"]["psnr"].get<double>(), lv["noisy"]["ssim"].get<double>());
        t << line;
        std::snprintf(line, sizeof line, "%-34s %-16s %4s %5s %4s  %6.2f  %6.4f  %7.2f  %5.2f\n",
                      "classical peer", "opencv-nlm", "-", "-", "-", lv["classical"]["psnr"].get<double>(),
                      lv["classical"]["ssim"].get<double>(), nlmSpeed, 1.0);
        t << line;
        for (const auto& r : lv["rows"]) {
            const double speed = r["seconds_per_megapixel"].get<double>();
            // Parts written before the network's share was recorded have none.
            const double net = r.value("network_seconds_per_megapixel", -1.0);
            std::snprintf(line, sizeof line, "%-34s %-16s %4lld %5d %4d  %6.2f  %6.4f  %7.2f  %5.2f  %s\n",
                          r["lever"].get<std::string>().c_str(), r["sampler"].get<std::string>().c_str(),
                          r["nfe"].get<long long>(), r["tile"].get<int>(), r["overlap"].get<int>(),
                          r["psnr"].get<double>(), r["ssim"].get<double>(), speed,
                          nlmSpeed > 0 ? speed / nlmSpeed : 0.0, net >= 0 ? fmt(net, 2).c_str() : "-");
            t << line;
        }
    }
    if (j.contains("photos")) {
        const auto& ps = j["photos"];
        t << "\nphotos (" << ps["model"].get<std::string>() << ", noise sigma "
          << fmt(ps["sigma255"].get<double>(), 0) << ", held out)\n"
          << "photo           method              NFE    PSNR    SSIM    s/MP\n";
        for (const auto& pj : ps["photos"]) {
            const auto name = pj["photo"].get<std::string>();
            std::snprintf(line, sizeof line, "%-15s %-18s %4s  %6.2f  %6.4f\n", name.c_str(), "noisy", "-",
                          pj["noisy"]["psnr"].get<double>(), pj["noisy"]["ssim"].get<double>());
            t << line;
            std::snprintf(line, sizeof line, "%-15s %-18s %4s  %6.2f  %6.4f  %.2f\n", name.c_str(),
                          "classical (NLM)", "-", pj["classical"]["psnr"].get<double>(),
                          pj["classical"]["ssim"].get<double>(),
                          pj["classical"]["seconds_per_megapixel"].get<double>());
            t << line;
            for (const auto& r : pj["rows"]) {
                std::snprintf(line, sizeof line, "%-15s %-18s %4lld  %6.2f  %6.4f  %.2f\n", name.c_str(),
                              r["sampler"].get<std::string>().c_str(), r["nfe"].get<long long>(),
                              r["psnr"].get<double>(), r["ssim"].get<double>(),
                              r["seconds_per_megapixel"].get<double>());
                t << line;
            }
        }
    }
    if (j.contains("large")) {
        const auto& l = j["large"];
        const double seconds = l["seconds"].get<double>(), mp = l["megapixels"].get<double>();
        t << "\nlarge: " << l["photo"].get<std::string>() << " upscaled to " << l["width"].get<long long>()
          << "x" << l["height"].get<long long>() << " (" << fmt(mp, 1) << " MP), "
          << l["sampler"].get<std::string>() << " @" << l["nfe"].get<long long>() << ": " << fmt(seconds, 1)
          << " s (" << fmt(seconds / mp, 2) << " s/MP), PSNR " << fmt(l["psnr_noisy"].get<double>()) << " -> "
          << fmt(l["psnr_restored"].get<double>()) << " dB, peak RSS "
          << (l.value("peak_rss_scope", "process") == "restoration" ? "during the restoration " : "")
          << fmt(l["peak_rss_mib"].get<double>(), 0)
          << " MiB (one float image: " << fmt(l["image_mib"].get<double>(), 0) << " MiB"
          << (l.contains("rss_added_mib")
                  ? ", " + fmt(l["rss_added_mib"].get<double>(), 0) + " MiB over what the process held before"
                  : std::string())
          << ")\n";
    }
    t << "whole bench: " << fmt(j["seconds"].get<double>(), 1) << " s";
    if (j.contains("shard"))
        t << " (shard " << j["shard"]["index"].get<int>() << "/" << j["shard"]["count"].get<int>() << ")";
    else if (j.contains("shards"))
        t << " (summed over " << j["shards"].get<int>() << " shards)";
    t << "\n";
    return t.str();
}

Result<RestoreBenchReport> mergeRestoreBench(std::vector<nlohmann::json> parts) {
    using R = Result<RestoreBenchReport>;
    return guarded<RestoreBenchReport>("merge bench restore", [&]() -> R {
        auto m = mergeParts(std::move(parts), "tasks");
        if (!m) return m.error();
        const auto& ps = m.value().parts;
        nlohmann::json& j = m.value().merged;
        j["shards"] = ps.size();
        double seconds = 0;
        j.erase("large");
        for (const auto& p : ps) {
            seconds += p.value("seconds", 0.0);
            if (p.contains("large")) j["large"] = p["large"];
        }
        j["seconds"] = seconds;
        // The nested lists: the sweep's conditions, the photo section's photos.
        for (const auto& [outer, inner] : {std::pair{"sigma_sweep", "rows"}, std::pair{"task_sweep", "rows"},
                                           std::pair{"photos", "photos"}, std::pair{"levers", "rows"}}) {
            if (!j.contains(outer)) continue;
            std::vector<nlohmann::json> lists;
            for (const auto& p : ps) {
                if (!p.contains(outer) || !p[outer].contains(inner))
                    return R::invalid(std::string("merge: a part has no ") + outer);
                lists.push_back({{"items", p[outer][inner]}});
            }
            auto all = concatUnits(lists, "items");
            if (!all) return all.error();
            j[outer][inner] = all.value();
        }
        RestoreBenchReport rep;
        rep.json = j.dump();
        rep.table = benchTable(j);
        return rep;
    });
}

} // namespace reverie::restore
